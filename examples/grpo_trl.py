"""GRPO with TRL's ``GRPOTrainer`` on game24, every reward scored by a rewardgym server.

An end-to-end check of the trainer integration, runnable anywhere (nothing is downloaded):

- the policy is a tiny Llama built from a config with random weights, with a character-level
  tokenizer made here (the four tags ``<think> </think> <answer> </answer>`` are single tokens);
- the dataset is game24 puzzles drawn in-process from ``envs.game24.Game24Task``;
- the rewards are ``trl_reward_funcs(...)``: TRL calls them, they call the service (one ``Score``
  RPC per batch), and the script starts that service itself (``python -m rewardgym serve``) unless
  ``--server`` names a running one;
- an optional supervised warm-up (``--warmup-steps``) teaches the random model the answer format
  first, so that GRPO starts from a mix of right and wrong answers instead of all-zero rewards
  (which give zero advantages and nothing to learn from).

It prints one line per step (reward mean/std, accuracy, format, step time, time inside the reward
functions) and, at the end, the server's own counters from ``/metrics``, checked against what the
trainer asked for, so the run shows that every reward came from the service.

    python examples/grpo_trl.py                         # starts a server with 8 workers
    python examples/grpo_trl.py --steps 20 --warmup-steps 300 --summary-json out.json
    python examples/grpo_trl.py --server 127.0.0.1:50051 --metrics-url http://127.0.0.1:9090/metrics

Needs ``torch``, ``transformers``, ``trl`` (tested with 1.16.0) and ``datasets``, plus this repository
installed (``pip install ".[server]"``: the server finds its tasks through package entry points).
What a run on an H100 showed, and how it was run offline: docs/grpo-example.md.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import pathlib
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # everything is built here; never wait on the Hub
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
if str(ROOT) not in sys.path:  # run from a checkout without installing the client
    sys.path.insert(0, str(ROOT))

from envs.game24 import Game24Task, solver  # noqa: E402
from trainer_client import RewardClient  # noqa: E402
from trainer_client.adapters.trl import trl_reward_funcs  # noqa: E402

TASK = "game24"
TAGS = ("<think>", "</think>", "<answer>", "</answer>")
PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"
SAMPLE = 6  # completions of the last batch shown at the end


# --------------------------------------------------------------------------------------------------
# Problems


def make_problems(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` game24 rows {prompt, reference}; the reference is JSON text (one Arrow type for all rows)."""
    task, rng = Game24Task(), random.Random(seed)
    rows = []
    for _ in range(n):
        p = task.sample(rng)
        rows.append({"prompt": p.prompt, "reference": json.dumps(p.reference)})
    return rows


@functools.cache
def _solutions(numbers: tuple[int, ...], target: int) -> tuple[str, ...]:
    return tuple(expr for expr, _ in solver.solutions(numbers, target))  # ~10 ms a puzzle: computed once


def warmup_target(reference: dict[str, Any], rng: random.Random) -> str:
    """A well-formed, correct completion for supervised warm-up: a random solution from the solver."""
    nums = reference["numbers"]
    expr = rng.choice(_solutions(tuple(sorted(nums)), reference.get("target", 24)))
    return f"<think>{' '.join(map(str, nums))}</think><answer>{expr}</answer>"


# --------------------------------------------------------------------------------------------------
# Tokenizer and model (both built here: no download)


def build_tokenizer() -> Any:
    """Character-level tokenizer over printable ASCII, with the four format tags as single tokens."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = [chr(c) for c in range(32, 127)]
    vocab = {t: i for i, t in enumerate([PAD, BOS, EOS, UNK, *chars])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")  # one piece per character
    tok.decoder = decoders.Fuse()  # concatenate, no spaces between pieces
    tok.add_tokens(list(TAGS))  # matched before pre-tokenization, kept when decoding
    tok.add_special_tokens([PAD, BOS, EOS, UNK])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token=PAD, bos_token=BOS, eos_token=EOS, unk_token=UNK, padding_side="left"
    )


def build_model(tokenizer: Any, hidden: int, layers: int, max_len: int, seed: int) -> Any:
    """A small Llama with random weights."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=max(1, hidden // 64),
        num_key_value_heads=max(1, hidden // 64),
        max_position_embeddings=max_len,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config)


def warmup(model: Any, tokenizer: Any, rows: Sequence[dict[str, Any]], steps: int, batch: int, lr: float,
           seed: int, target: Callable[[dict[str, Any], random.Random], str] | None = None) -> list[float]:
    """Supervised steps on prompt → correct completion (loss on the completion only). Returns losses."""
    import torch

    device = next(model.parameters()).device
    rng = random.Random(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    data = [(tokenizer(r["prompt"])["input_ids"], json.loads(r["reference"])) for r in rows]
    losses = []
    for step in range(steps):
        picked = rng.sample(data, min(batch, len(data)))
        targets = tokenizer([(target or warmup_target)(ref, rng) for _, ref in picked])["input_ids"]
        seqs, labels = [], []
        for (p, _), c in zip(picked, targets, strict=True):
            seqs.append(p + c + [tokenizer.eos_token_id])
            labels.append([-100] * len(p) + c + [tokenizer.eos_token_id])
        width = max(map(len, seqs))
        ids = torch.full((len(seqs), width), tokenizer.pad_token_id, dtype=torch.long)
        lab = torch.full((len(seqs), width), -100, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, (s, lb) in enumerate(zip(seqs, labels, strict=True)):
            ids[i, : len(s)], lab[i, : len(lb)], mask[i, : len(s)] = torch.tensor(s), torch.tensor(lb), 1
        out = model(input_ids=ids.to(device), attention_mask=mask.to(device), labels=lab.to(device))
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(out.loss.item())
        if (step + 1) % 100 == 0:
            print(f"  warm-up step {step + 1}: loss {losses[-1]:.3f}", flush=True)
    return losses


# --------------------------------------------------------------------------------------------------
# The reward service


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def rewardgym_server(workers: int, log_path: pathlib.Path, timeout_s: float = 120.0) -> Iterator[tuple[str, str]]:
    """Start ``python -m rewardgym serve`` on free loopback ports; yield (address, metrics URL)."""
    address, metrics = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    cmd = [sys.executable, "-m", "rewardgym", "serve", "--address", address, "--workers", str(workers),
           "--metrics-address", metrics]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://{metrics}/metrics"
    try:
        end = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"rewardgym serve exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                fetch_metrics(url)
                break
            except OSError:
                if time.monotonic() > end:
                    raise TimeoutError(f"no metrics from {url} after {timeout_s}s") from None
                time.sleep(0.2)
        yield address, url
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_SAMPLE = re.compile(r'^(\w+)(?:\{([^}]*)\})? (\S+)$')


def fetch_metrics(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Prometheus text → {(name, labels): value}."""
    with urllib.request.urlopen(url, timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m:
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
            out[(m.group(1), labels)] = float(m.group(3))
    return out


def metric_sum(metrics: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in metrics.items() if n == name and want <= ls)


# --------------------------------------------------------------------------------------------------
# Timing the reward calls


@dataclass
class RewardTimer:
    """Wall time spent inside the reward functions, per call; drained once per training step."""

    calls: list[tuple[str, float, int]] = field(default_factory=list)  # (function, seconds, completions)
    sample: dict[str, list[Any]] = field(default_factory=dict)  # function -> last batch's first (completion, value)s

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)  # keeps __name__: TRL's metric name rewards/<name>/mean
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            out = fn(*args, **kwargs)
            self.calls.append((fn.__name__, time.perf_counter() - t0, len(out)))
            self.sample[fn.__name__] = list(zip(kwargs.get("completions", ())[:SAMPLE], out[:SAMPLE], strict=False))
            return out

        return timed

    def drain(self) -> list[tuple[str, float, int]]:
        calls, self.calls = self.calls, []
        return calls


# --------------------------------------------------------------------------------------------------
# Training


def num(x: float | None) -> float:
    """TRL logs None for a metric with no valid value (every reward masked)."""
    return float("nan") if x is None else float(x)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--server", help="address of a running rewardgym server (default: start one)")
    ap.add_argument("--metrics-url", help="its /metrics URL, to check the counts (with --server)")
    ap.add_argument("--workers", type=int, default=8, help="scoring workers of the server started here")
    ap.add_argument("--steps", type=int, default=16, help="GRPO optimizer steps")
    ap.add_argument("--prompts-per-step", type=int, default=8)
    ap.add_argument("--num-generations", type=int, default=8, help="completions per prompt (the GRPO group)")
    ap.add_argument("--max-completion-length", type=int, default=48, help="tokens (= characters, tags aside)")
    ap.add_argument("--learning-rate", type=float, default=3e-4)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--format-weight", type=float, default=0.1, help="TRL reward weight of game24_format")
    ap.add_argument("--warmup-steps", type=int, default=200, help="supervised format warm-up steps (0: none)")
    ap.add_argument("--warmup-batch", type=int, default=64)
    ap.add_argument("--warmup-lr", type=float, default=1e-3)
    ap.add_argument("--problems", type=int, default=512, help="puzzles in the GRPO dataset")
    ap.add_argument("--hidden-size", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--output-dir", help="trainer output directory (default: a temporary one)")
    ap.add_argument("--summary-json", help="write the per-step numbers and server counts here")
    return ap.parse_args(argv)


def run(args: argparse.Namespace, address: str, metrics_url: str | None) -> dict[str, Any]:
    import torch
    from datasets import Dataset
    from transformers import PrinterCallback, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name() if cuda else 'cpu'}", flush=True)

    # The service answers before we start: game24 must be served.
    with RewardClient(address) as rc:
        names = [t.name for t in rc.list_tasks()]
    if TASK not in names:
        raise SystemExit(f"{address} does not serve {TASK} (tasks: {names})")
    before = fetch_metrics(metrics_url) if metrics_url else {}

    tokenizer = build_tokenizer()
    rows = make_problems(args.problems, args.seed)
    prompt_len = max(len(tokenizer(r["prompt"])["input_ids"]) for r in rows)
    model = build_model(tokenizer, args.hidden_size, args.layers, prompt_len + args.max_completion_length + 16,
                        args.seed).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: Llama, {n_params / 1e6:.2f} M parameters, vocab {len(tokenizer)}, random init; "
          f"prompts up to {prompt_len} tokens", flush=True)

    warm_losses: list[float] = []
    if args.warmup_steps:
        t0 = time.perf_counter()
        warm_rows = make_problems(args.problems, args.seed + 1)  # other puzzles than GRPO's
        warm_losses = warmup(model, tokenizer, warm_rows, args.warmup_steps, args.warmup_batch, args.warmup_lr,
                             args.seed)
        print(f"warm-up: {args.warmup_steps} supervised steps in {time.perf_counter() - t0:.1f}s, "
              f"loss {warm_losses[0]:.3f} → {warm_losses[-1]:.3f}", flush=True)

    timer = RewardTimer()
    funcs = [timer.wrap(f) for f in trl_reward_funcs(address, task=TASK, components=("accuracy", "format"),
                                                     reference_column="reference")]
    steps: list[dict[str, Any]] = []

    class StepLog(TrainerCallback):
        """Times each optimizer step and prints TRL's reward metrics next to the reward-call time."""

        def __init__(self) -> None:
            self.last = time.perf_counter()
            self.pending: dict[int, dict[str, Any]] = {}

        def on_train_begin(self, *a: Any, **k: Any) -> None:
            self.last = time.perf_counter()
            timer.drain()

        def on_step_end(self, args: Any, state: Any, control: Any, **k: Any) -> None:
            now = time.perf_counter()
            calls = timer.drain()
            self.pending[state.global_step] = {
                "step": state.global_step,
                "step_s": now - self.last,
                "reward_s": sum(c[1] for c in calls),
                "rpc_s": calls[0][1] if calls else 0.0,  # the first function makes the RPC, the rest read it
                "completions": calls[0][2] if calls else 0,
            }
            self.last = now

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None,
                   **k: Any) -> None:
            row = self.pending.pop(state.global_step, None)
            if row is None or not logs or "reward" not in logs:
                return
            row.update(reward=num(logs["reward"]), reward_std=num(logs.get("reward_std")),
                       accuracy=num(logs.get(f"rewards/{TASK}_accuracy/mean")),
                       format=num(logs.get(f"rewards/{TASK}_format/mean")),
                       length=num(logs.get("completions/mean_length")))
            steps.append(row)
            print(f"step {row['step']:3d} | reward {row['reward']:.3f} ± {row['reward_std']:.3f} | "
                  f"accuracy {row['accuracy']:.3f} | format {row['format']:.3f} | len {row['length']:5.1f} | "
                  f"step {row['step_s']:6.2f}s | reward calls {row['reward_s'] * 1e3:7.1f} ms "
                  f"({100 * row['reward_s'] / row['step_s']:.1f}%) | n={row['completions']}", flush=True)

    out_dir = args.output_dir or tempfile.mkdtemp(prefix="grpo_trl_")
    batch = args.prompts_per_step * args.num_generations
    config = GRPOConfig(
        output_dir=out_dir,
        max_steps=args.steps,
        per_device_train_batch_size=batch,  # one generation round per step: prompts_per_step groups
        num_generations=args.num_generations,
        max_completion_length=args.max_completion_length,
        temperature=args.temperature,
        learning_rate=args.learning_rate,
        reward_weights=[1.0, args.format_weight],
        beta=0.0,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        bf16=cuda,
        use_cpu=not cuda,
        gradient_checkpointing=False,
        seed=args.seed,
        disable_tqdm=True,
    )
    trainer = GRPOTrainer(model=model, reward_funcs=funcs, args=config, train_dataset=Dataset.from_list(rows),
                          processing_class=tokenizer, callbacks=[StepLog()])
    trainer.remove_callback(PrinterCallback)  # StepLog prints the lines that matter; the rest is in log_history
    t0 = time.perf_counter()
    trainer.train()
    train_s = time.perf_counter() - t0

    summary: dict[str, Any] = {
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "parameters": n_params,
        "warmup_loss": [warm_losses[0], warm_losses[-1]] if warm_losses else None,
        "train_s": train_s,
        "steps": steps,
        "log_history": trainer.state.log_history,
    }
    acc = dict(timer.sample.get(f"{TASK}_accuracy", []))
    summary["last_batch_sample"] = [{"completion": c, "accuracy": acc.get(c), "format": f}
                                    for c, f in timer.sample.get(f"{TASK}_format", [])]
    print("last batch, first completions:")
    for s in summary["last_batch_sample"]:
        print(f"  accuracy={s['accuracy']} format={s['format']}  {s['completion']!r}")
    report(summary, batch, metrics_url, before)
    return summary


def report(summary: dict[str, Any], batch: int, metrics_url: str | None,
           before: dict[tuple[str, frozenset[tuple[str, str]]], float], task: str = TASK) -> None:
    steps = summary["steps"]
    if not steps:
        print("no training step was logged")
        return
    step_s = [s["step_s"] for s in steps]
    reward_s = [s["reward_s"] for s in steps]
    rpc_s = [s["rpc_s"] for s in steps]
    k = max(1, len(steps) // 4)
    summary["totals"] = {
        "completions_scored": sum(s["completions"] for s in steps),
        "reward_first_quarter": statistics.fmean(s["reward"] for s in steps[:k]),
        "reward_last_quarter": statistics.fmean(s["reward"] for s in steps[-k:]),
        "step_s_median": statistics.median(step_s),
        "reward_s_median": statistics.median(reward_s),
        "rpc_s_median": statistics.median(rpc_s),
        "reward_share": sum(reward_s) / sum(step_s),
    }
    t = summary["totals"]
    print(f"\n{len(steps)} steps in {summary['train_s']:.1f}s; reward (mean of the first/last {k} steps) "
          f"{t['reward_first_quarter']:.3f} → {t['reward_last_quarter']:.3f}")
    print(f"step time median {t['step_s_median'] * 1e3:.0f} ms; reward calls median {t['reward_s_median'] * 1e3:.1f} ms "
          f"(the RPC {t['rpc_s_median'] * 1e3:.1f} ms) = {100 * t['reward_share']:.2f}% of the training time")
    if not metrics_url:
        print("no metrics URL: server counts not checked")
        return
    after = fetch_metrics(metrics_url)

    def delta(name: str, **labels: str) -> float:
        return metric_sum(after, name, **labels) - metric_sum(before, name, **labels)

    statuses = sorted({dict(ls)["status"] for (n, ls) in after if n == "rewardgym_items_total" and
                       dict(ls).get("task") == task})
    server = {
        "items": int(delta("rewardgym_items_total", task=task)),
        "by_status": {s: int(delta("rewardgym_items_total", task=task, status=s)) for s in statuses},
        "score_rpcs": int(delta("rewardgym_rpc_seconds_count", method="Score")),
        "score_rpc_items": int(delta("rewardgym_rpc_items_total", method="Score")),
        "score_rpc_seconds": delta("rewardgym_rpc_seconds_sum", method="Score"),
        "cache_hits": int(delta("rewardgym_cache_hits_total")),
    }
    summary["server"] = server
    print(f"server /metrics (this run): {server['items']} {task} items scored {server['by_status']}, "
          f"{server['score_rpcs']} Score RPCs carrying {server['score_rpc_items']} items, "
          f"{server['score_rpc_seconds'] * 1e3 / max(1, server['score_rpcs']):.1f} ms each inside the server, "
          f"{server['cache_hits']} cache hits")
    want = t["completions_scored"]
    ok = server["items"] == want == server["score_rpc_items"] and server["score_rpcs"] == len(steps)
    print(f"check: trainer scored {want} completions ({batch} × {len(steps)} steps) in {len(steps)} batches; "
          f"server saw {server['items']} items in {server['score_rpcs']} RPCs → "
          f"{'every reward came from the service, one RPC per batch' if ok else 'MISMATCH'}")
    summary["all_rewards_from_service"] = ok


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with contextlib.ExitStack() as stack:
        if args.server:
            address, metrics_url = args.server, args.metrics_url
        else:
            log = pathlib.Path(tempfile.gettempdir()) / f"rewardgym-serve-{os.getpid()}.log"
            address, metrics_url = stack.enter_context(rewardgym_server(args.workers, log))
            print(f"started rewardgym serve on {address} with {args.workers} workers (log: {log})", flush=True)
        summary = run(args, address, metrics_url)
    if args.summary_json:
        pathlib.Path(args.summary_json).write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if summary.get("all_rewards_from_service", metrics_url is None) else 1


if __name__ == "__main__":
    raise SystemExit(main())
