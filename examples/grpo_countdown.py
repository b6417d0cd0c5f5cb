"""GRPO that learns: a tiny model, trained from scratch, learns two-number Countdown from rewardgym rewards.

The curriculum is the smallest Countdown: two numbers from 1..``--max-number`` and a target made from
them with one of + − × ÷ (``CountdownTask.sample(count=2)``, so every instance is solvable). The
prompt is just ``"a b -> T"``. A short supervised warm-up teaches the *format* only: its targets
are ``<think>a b</think><answer>a?b</answer>`` with the operator drawn at random, never the right one,
so GRPO starts from a well-formed policy whose accuracy is about chance (~30%). From there the only
thing that teaches it *which* operator makes the target is the reward, and every reward comes from a
real ``rewardgym serve`` (started here) through ``trl_reward_funcs`` and gRPC.

Training stops after ``--minutes`` of GRPO. The script prints one line per step, then the mean
accuracy of the first and last 20 steps, the reward service's share of the step time, the server's
own counts from ``/metrics`` (every reward came from it), and draws the curve (``--plot``).

    python examples/grpo_countdown.py --minutes 6.5 --learning-rate 1e-4 --plot curve.png --summary-json run.json

Needs torch, transformers, trl (tested with 1.16.0), datasets and matplotlib (for the plot), plus this
repository installed. What a run on one GPU showed: docs/grpo-example.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the shared pieces of grpo_trl.py: tokenizer, model, server, timing

import grpo_trl as base  # noqa: E402

from envs.game24 import CountdownTask  # noqa: E402
from trainer_client.adapters.trl import trl_reward_funcs  # noqa: E402

TASK = "countdown"
WINDOW = 20  # steps averaged at each end of the curve


def make_problems(n: int, seed: int, max_number: int) -> list[dict[str, Any]]:
    task, rng = CountdownTask(), random.Random(seed)
    rows = []
    for _ in range(n):
        p = task.sample(rng, count=2, max_number=max_number, min_target=1, max_target=max_number * max_number)
        a, b = p.reference["numbers"]
        # Fixed-width fields: every prompt has the same length, so no batch is left-padded (TRL's
        # training forward pass does not shift positions for left padding the way generate() does).
        width = len(str(max_number))
        prompt = f"{a:>{width}} {b:>{width}} -> {p.reference['target']:>{2 * width}}\n"
        rows.append({"prompt": prompt, "reference": json.dumps(p.reference)})
    return rows


def random_op_target(reference: dict[str, Any], rng: random.Random) -> str:
    """A well-formed completion with a random operator (right only by chance): format, not the skill."""
    a, b = reference["numbers"]
    hi, lo = max(a, b), min(a, b)
    ops = ["+", "*"] + (["-"] if hi != lo else []) + (["/"] if hi % lo == 0 else [])
    op = rng.choice(ops)
    x, y = (hi, lo) if op in "-/" else rng.choice([(a, b), (b, a)])
    return f"<think>{a} {b}</think><answer>{x}{op}{y}</answer>"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--minutes", type=float, default=6.5, help="GRPO training time")
    ap.add_argument("--max-steps", type=int, default=100_000, help="also stop after this many steps")
    ap.add_argument("--max-number", type=int, default=9, help="numbers are drawn from 1..max-number")
    ap.add_argument("--workers", type=int, default=4, help="scoring workers of the server started here")
    ap.add_argument("--prompts-per-step", type=int, default=16)
    ap.add_argument("--num-generations", type=int, default=8, help="completions per prompt (the GRPO group)")
    ap.add_argument("--max-completion-length", type=int, default=20)
    ap.add_argument("--learning-rate", type=float, default=1e-4, help="6e-4 collapsed in our runs")
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--warmup-steps", type=int, default=300, help="supervised format-only steps")
    ap.add_argument("--problems", type=int, default=4096)
    ap.add_argument("--hidden-size", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plot", help="write the accuracy curve here (PNG)")
    ap.add_argument("--summary-json", help="write the per-step numbers and server counts here")
    return ap.parse_args(argv)


def run(args: argparse.Namespace, address: str, metrics_url: str) -> dict[str, Any]:
    import torch
    from datasets import Dataset
    from transformers import PrinterCallback, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name() if cuda else 'cpu'}", flush=True)
    before = base.fetch_metrics(metrics_url)
    tokenizer = base.build_tokenizer()
    rows = make_problems(args.problems, args.seed, args.max_number)
    prompt_len = max(len(tokenizer(r["prompt"])["input_ids"]) for r in rows)
    model = base.build_model(tokenizer, args.hidden_size, args.layers, prompt_len + args.max_completion_length + 8,
                             args.seed).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: Llama, {n_params / 1e6:.2f} M parameters, random init; {len(rows)} problems", flush=True)
    t0 = time.perf_counter()
    losses = base.warmup(model, tokenizer, make_problems(args.problems, args.seed + 1, args.max_number),
                         args.warmup_steps, 64, 1e-3, args.seed, target=random_op_target)
    print(f"format warm-up: {args.warmup_steps} steps in {time.perf_counter() - t0:.1f}s, "
          f"loss {losses[0]:.3f} → {losses[-1]:.3f}", flush=True)

    timer = base.RewardTimer()
    funcs = [timer.wrap(f) for f in trl_reward_funcs(address, task=TASK, components=("accuracy", "format"))]
    steps: list[dict[str, Any]] = []
    deadline = [0.0]

    class StepLog(TrainerCallback):
        def on_train_begin(self, *a: Any, **k: Any) -> None:
            self.last = time.perf_counter()
            deadline[0] = self.last + 60 * args.minutes
            timer.drain()

        def on_step_end(self, targs: Any, state: Any, control: Any, **k: Any) -> None:
            now = time.perf_counter()
            calls = timer.drain()
            self.row = {"step": state.global_step, "step_s": now - self.last, "reward_s": sum(c[1] for c in calls),
                        "rpc_s": calls[0][1] if calls else 0.0, "completions": calls[0][2] if calls else 0}
            self.last = now
            if now > deadline[0]:
                control.should_training_stop = True

        def on_log(self, targs: Any, state: Any, control: Any, logs: dict[str, float] | None = None,
                   **k: Any) -> None:
            row = getattr(self, "row", None)
            if row is None or row["step"] != state.global_step or not logs or "reward" not in logs:
                return
            row.update(reward=base.num(logs["reward"]), accuracy=base.num(logs.get(f"rewards/{TASK}_accuracy/mean")),
                       format=base.num(logs.get(f"rewards/{TASK}_format/mean")),
                       zero_std=base.num(logs.get("frac_reward_zero_std")))
            steps.append(row)
            if row["step"] % 10 == 0 or row["step"] <= 3:
                print(f"step {row['step']:4d} | accuracy {row['accuracy']:.3f} | format {row['format']:.3f} | "
                      f"zero-std groups {row['zero_std']:.2f} | step {row['step_s'] * 1e3:5.0f} ms | "
                      f"reward calls {row['reward_s'] * 1e3:5.1f} ms", flush=True)

    config = GRPOConfig(
        output_dir=tempfile.mkdtemp(prefix="grpo_countdown_"), max_steps=args.max_steps,
        per_device_train_batch_size=args.prompts_per_step * args.num_generations,
        num_generations=args.num_generations, max_completion_length=args.max_completion_length,
        temperature=args.temperature, learning_rate=args.learning_rate, lr_scheduler_type="constant",
        reward_weights=[1.0, 0.0], beta=0.0, logging_steps=1, save_strategy="no", report_to="none",
        bf16=cuda, use_cpu=not cuda, seed=args.seed, disable_tqdm=True)
    trainer = GRPOTrainer(model=model, reward_funcs=funcs, args=config, train_dataset=Dataset.from_list(rows),
                          processing_class=tokenizer, callbacks=[StepLog()])
    trainer.remove_callback(PrinterCallback)
    t0 = time.perf_counter()
    trainer.train()
    summary: dict[str, Any] = {"device": torch.cuda.get_device_name() if cuda else "cpu", "parameters": n_params,
                               "args": vars(args), "train_s": time.perf_counter() - t0, "steps": steps}
    acc = [s["accuracy"] for s in steps]
    w = min(WINDOW, len(acc) // 2)
    if w:
        first, last = statistics.fmean(acc[:w]), statistics.fmean(acc[-w:])
        summary["curve"] = {"window": w, "first": first, "last": last, "ratio": last / first if first else None,
                            "gain_points": 100 * (last - first)}
        print(f"\naccuracy, mean of the first {w} steps {first:.3f} → last {w} steps {last:.3f} "
              f"(×{last / first if first else float('inf'):.2f}, {100 * (last - first):+.1f} points)")
    base.report(summary, args.prompts_per_step * args.num_generations, metrics_url, before, task=TASK)
    summary["last_batch_sample"] = [c for c, _ in timer.sample.get(f"{TASK}_accuracy", [])]
    return summary


def plot(summary: dict[str, Any], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = summary["steps"]
    x = [s["step"] for s in steps]
    acc = [s["accuracy"] for s in steps]
    k = 20
    smooth = [statistics.fmean(acc[max(0, i - k + 1): i + 1]) for i in range(len(acc))]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(x, acc, lw=0.6, alpha=0.4, label="accuracy per step")
    ax.plot(x, smooth, lw=2, label=f"mean of the last {k} steps")
    ax.set_xlabel("GRPO step")
    ax.set_ylabel("accuracy (rewardgym countdown)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    c = summary.get("curve", {})
    ax.set_title(f"two-number Countdown, from scratch: {c.get('first', 0):.2f} → {c.get('last', 0):.2f}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with contextlib.ExitStack() as stack:
        log = pathlib.Path(tempfile.gettempdir()) / f"rewardgym-serve-{os.getpid()}.log"
        address, metrics_url = stack.enter_context(base.rewardgym_server(args.workers, log))
        print(f"started rewardgym serve on {address} with {args.workers} workers", flush=True)
        summary = run(args, address, metrics_url)
    if args.summary_json:
        pathlib.Path(args.summary_json).write_text(json.dumps(summary, indent=2) + "\n")
    if args.plot and summary.get("steps"):
        plot(summary, args.plot)
    return 0 if summary.get("all_rewards_from_service") else 1


if __name__ == "__main__":
    raise SystemExit(main())
