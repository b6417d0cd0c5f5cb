"""The hostile programs of shared/sandbox-hostile-cases.md, as data shared by the backend tests.

Each case: (number, id, kind, payload, allowed outcome). ``kind``:
- ``run``: a Python program run directly through the executor; allowed = set of run statuses.
- ``task``: a completion scored by ``CodeTask`` against ``REF``; the reward must be 0 (allowed = "fail"),
  and the status OK (a verdict, not an infrastructure error).
- ``check``: a program whose stdout is inspected by ``inspect(stdout)`` (must return True).
"""

from __future__ import annotations

from typing import Any

ADD_REF = {"language": "python", "test": "def check(candidate):\n    assert candidate(2, 3) == 5\n"
                                         "    assert candidate(-1, 4) == 3\n", "entry_point": "add"}
CALL_REF = {"language": "python", "fn_name": "add", "tests": [{"input": [2, 3], "output": 5},
                                                              {"input": [1, 1], "output": 2}]}
STDIO_REF = {"language": "python", "tests": [{"input": "", "output": "1\n2\n3"}]}
FLOAT_REF = {"language": "python", "fn_name": "half", "tests": [{"input": [3], "output": 1.5}]}
TRUTH_REF = {"language": "python", "test": "assert is_odd(3)\nassert not is_odd(4)\nassert is_odd(5) is True\n"}
FLOAT_STDIO = {"language": "python", "tests": [{"input": "", "output": "1.5"}], "compare": "float:1e-6"}

HOSTS = ("1.1.1.1", 53)

CASES: list[tuple[int, str, str, Any, Any]] = [
    (1, "fork_bomb", "run", "import os\nwhile True:\n    try: os.fork()\n    except OSError: pass\n", {"TLE", "RE"}),
    (2, "shell_fork_bomb", "run", "import subprocess\nsubprocess.run(['sh', '-c', ':(){ :|:& };:'])\n"
                                  "import time\ntime.sleep(100)\n", {"TLE", "RE"}),
    (3, "threads_10k", "run", "import threading, time\nts=[]\nfor i in range(10000):\n"
                              "    t=threading.Thread(target=time.sleep, args=(100,)); t.start(); ts.append(t)\n",
     {"RE", "MLE", "TLE"}),
    (4, "bytearray_8g", "run", "x = bytearray(8 << 30)\n", {"MLE", "RE"}),
    (5, "leak_100m_steps", "run", "xs = []\nwhile True:\n    xs.append(bytearray(100 << 20))\n", {"MLE", "RE"}),
    (6, "busy_loop", "run", "while True:\n    pass\n", {"TLE"}),
    (7, "sleep_forever", "run", "import time\ntime.sleep(1e6)\n", {"TLE"}),
    (8, "ignore_signals", "run", "import signal\nfor s in (signal.SIGTERM, signal.SIGXCPU, signal.SIGINT):\n"
                                 "    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass\n", {"TLE"}),
    (9, "stdout_flood", "run", "while True:\n    print('A' * 1000)\n", {"OLE"}),
    (9, "stderr_flood_1g", "run", "import sys\nfor _ in range(1 << 20):\n    sys.stderr.write('E' * 1024)\n",
     {"OK", "OLE", "TLE"}),
    (10, "invalid_utf8", "check", "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end\\n')\n",
     lambda out: out.startswith("ok ") and "\ufffd" in out),
    (11, "file_100m", "run", "f = open('big', 'wb')\nfor _ in range(100):\n    f.write(b'x' * (1 << 20))\n",
     {"RE", "OLE"}),
    (12, "many_files", "run", "import os\nfor i in range(100000):\n    open(f'f{i}', 'w').close()\n",
     {"RE", "OLE", "TLE"}),
    (13, "tmp_persistence_write", "check", "import os\nn=0\nfor p in ('/tmp/x', '/dev/shm/x'):\n"
                                           "    try:\n        open(p, 'w').write('secret'); n+=1\n"
                                           "    except OSError: pass\nprint('wrote', n)\n",
     lambda out: out.startswith("wrote")),
    (13, "tmp_persistence_read", "check", "import os\nprint(os.path.exists('/tmp/x'), os.path.exists('/dev/shm/x'))\n",
     lambda out: out.strip() == "False False"),
    (14, "read_shadow", "check", "for p in ('/etc/shadow', '/root/.bash_history', '/work/main/pyproject.toml',"
                                 " '/proc/1/environ'):\n    try:\n        open(p).read(1); print('READ', p)\n"
                                 "    except OSError: print('denied')\n",
     lambda out: "READ" not in out),
    (15, "environ", "check", "import os\nprint(sorted(os.environ))\n",
     lambda out: all(k not in out for k in ("TOKEN", "SECRET", "KEY", "PASSWORD", "AWS", "REWARDGYM"))),
    (16, "list_proc", "check", "import os\npids=[p for p in os.listdir('/proc') if p.isdigit()]\n"
                               "print(len(pids), sorted(os.listdir('/tmp')), os.listdir('..') if os.getcwd()!='/' else [])\n",
     lambda out: int(out.split()[0]) <= 4),
    (17, "network", "check", "import socket\nres=[]\nfor fam, typ in ((socket.AF_INET, socket.SOCK_STREAM),"
                             " (socket.AF_INET, socket.SOCK_DGRAM), (socket.AF_INET6, socket.SOCK_STREAM),"
                             " (socket.AF_PACKET, socket.SOCK_RAW), (socket.AF_NETLINK, socket.SOCK_RAW)):\n"
                             "    try:\n        s=socket.socket(fam, typ); s.settimeout(1); s.connect(('1.1.1.1', 53))"
                             " if fam==socket.AF_INET else None; res.append('CONNECTED')\n"
                             "    except OSError as e: res.append('blocked')\n"
                             "try:\n    socket.getaddrinfo('example.com', 80); res.append('DNS')\n"
                             "except OSError: res.append('nodns')\nprint(res)\n",
     lambda out: "CONNECTED" not in out and "DNS" not in out),
    (18, "bind_port", "check", "import socket\ntry:\n    s=socket.socket(); s.bind(('127.0.0.1', 8080)); s.listen();"
                               " print('bound')\nexcept OSError as e: print('denied', e.errno)\n",
     lambda out: out.startswith(("bound", "denied"))),
    (19, "kill_parent", "run", "import os\nos.kill(os.getppid(), 9)\nos.kill(0, 9)\n", {"RE", "OK"}),
    (19, "kill_all", "run", "import os\nos.kill(-1, 9)\n", {"RE", "OK"}),
    (20, "daemon_and_zombies", "run", "import os, time\nif os.fork()==0:\n    os.setsid()\n"
                                      "    if os.fork()==0:\n        time.sleep(1000)\n    os._exit(0)\n"
                                      "for _ in range(5):\n    if os.fork()==0: os._exit(0)\nprint('parent done')\n",
     {"OK"}),
    (21, "setuid0", "check", "import os\ntry:\n    os.setuid(0); print('ROOT')\nexcept OSError as e: print('EPERM', e.errno)\n",
     lambda out: out.startswith("EPERM")),
    (22, "ptrace_vmread", "check", "import ctypes, os\nlibc=ctypes.CDLL(None, use_errno=True)\n"
                                   "r=libc.ptrace(16, os.getppid(), 0, 0)\n"
                                   "buf=ctypes.create_string_buffer(8)\n"
                                   "class iov(ctypes.Structure): _fields_=[('b', ctypes.c_void_p), ('l', ctypes.c_size_t)]\n"
                                   "a=iov(ctypes.cast(buf, ctypes.c_void_p), 8)\n"
                                   "r2=libc.process_vm_readv(os.getppid(), ctypes.byref(a), 1, ctypes.byref(a), 1, 0)\n"
                                   "print(r, r2)\n",
     lambda out: out.split() == ["-1", "-1"]),
    (23, "proc_mem", "check", "import os\nfor p in (f'/proc/{os.getppid()}/mem', '/proc/1/environ', '/proc/1/mem'):\n"
                              "    try:\n        f=open(p, 'rb'); f.read(16); print('READ', p)\n"
                              "    except OSError: print('denied')\n",
     lambda out: "READ" not in out),
    (24, "ns_syscalls", "check", "import ctypes\nlibc=ctypes.CDLL(None, use_errno=True)\n"
                                 "print(libc.unshare(0x20000000), libc.mount(b'none', b'/tmp', b'tmpfs', 0, None),"
                                 " libc.setns(0, 0), libc.syscall(250, 0, 0, 0, 0), libc.syscall(425, 1, 0))\n",
     lambda out: all(int(x) < 0 for x in out.split())),
    (25, "segfault", "run", "import ctypes\nctypes.string_at(0)\n", {"RE"}),
    (26, "close_stdout", "task", "def add(a, b):\n    import os\n    os.close(1)\n    return a + b\n", "pass_ok"),
    (26, "devnull_stdout_stdio", "task_stdio", "import os\nfd=os.open('/dev/null', os.O_WRONLY)\nos.dup2(fd, 1)\n"
                                               "print('1\\n2\\n3')\n", "fail"),
    (27, "stdin_forever", "run", "import sys\ndata = sys.stdin.read()\nwhile True:\n    if sys.stdin.read(1) == '':\n"
                                 "        break\nprint(len(data))\n", {"OK"}),
    (28, "sys_exit_before_asserts", "task", "import sys\ndef add(a, b):\n    return 0\nsys.exit(0)\n", "fail"),
    (28, "os_exit_before_asserts", "task", "import os\ndef add(a, b):\n    return 0\nos._exit(0)\n", "fail"),
    (29, "systemexit_in_function", "task", "def add(a, b):\n    raise SystemExit(0)\n", "fail"),
    (30, "always_equal", "task", "class A:\n    def __eq__(self, o): return True\n    def __ne__(self, o): return False\n"
                                 "def add(a, b):\n    return A()\n", "fail"),
    (30, "always_equal_call", "task_call", "class A:\n    def __eq__(self, o): return True\n"
                                           "def add(a, b):\n    return A()\n", "fail"),
    (31, "int_subclass", "task", "class I(int):\n    def __eq__(self, o): return True\n    def __ne__(self, o): return False\n"
                                 "def add(a, b):\n    return I(0)\n", "fail"),
    (31, "str_subclass_strip", "task_stdio", "class S(str):\n    def strip(self, *a): return '1\\n2\\n3'\n"
                                             "    def __eq__(self, o): return True\nprint(S('nope'))\n", "fail"),
    (32, "monkeypatch_builtins", "task", "import builtins, json\nbuiltins.print = lambda *a, **k: None\n"
                                         "json.dumps = lambda *a, **k: '5'\nbuiltins.AssertionError = SystemExit\n"
                                         "_imp = builtins.__import__\nbuiltins.__import__ = lambda *a, **k: _imp(*a, **k)\n"
                                         "def add(a, b):\n    return a - b\n", "fail"),
    # Forged records: only a value the grader expects could pass, i.e. the answer itself (no better than
    # hard-coding it); a forged "done" line on stdout or fd 3 never turns a wrong program into a pass.
    (32, "patch_json_encoder", "task_truth", "import json, json.encoder, builtins\n"
                                             "json.JSONEncoder.iterencode = lambda self, o, _one_shot=False: "
                                             "iter(['{\"i\":' + str(o.get('i', 0)) + ',\"v\":{\"t\":[true]}}'])\n"
                                             "json.encoder.encode_basestring_ascii = lambda s: '\"x\"'\n"
                                             "builtins.isinstance = lambda *a: True\n"
                                             "def is_odd(n):\n    return n % 2 == 0\n", "fail"),
    (33, "forged_records", "task", "import os\ndef add(a, b):\n    return 0\nfor k in range(2):\n"
                                   "    os.write(3, ('{\"i\":%d,\"v\":{\"t\":[True]}}\\n' % k).encode())\n"
                                   "print('{\"done\":1}')\nos.write(3, b'{\"done\":1}\\n')\nos._exit(0)\n", "fail"),
    (34, "prefix_output", "task_stdio", "print('1\\n2')\n", "fail"),
    (34, "extra_lines", "task_stdio", "print('1\\n2\\n3\\n4')\n", "fail"),
    (35, "nan_float", "task_float", "def half(x):\n    return float('nan')\n", "fail"),
    (35, "inf_float_stdio", "task_float_stdio", "print('inf')\n", "fail"),
    (36, "conftest_sitecustomize", "task", "import os\nfor n in ('conftest.py', 'sitecustomize.py', '/tmp/sitecustomize.py'):\n"
                                           "    try: open(n, 'w').write('import os; os._exit(0)')\n"
                                           "    except OSError: pass\ndef add(a, b):\n    return 0\n", "fail"),
    (37, "search_frames_gc", "task", "import gc, sys\ndef add(a, b):\n    vals=[]\n    f=sys._getframe()\n"
                                     "    while f:\n        vals += [v for v in f.f_locals.values() if isinstance(v, int)"
                                     " and not isinstance(v, bool)]\n        f=f.f_back\n"
                                     "    for o in gc.get_objects():\n        if isinstance(o, dict) and 'output' in o:\n"
                                     "            return o['output']\n    return 0\n", "fail"),
    (38, "symlink_plant", "run", "import os\nfor n in ('out', 'prog', 'main.c', 'x'):\n"
                                 "    try: os.symlink('/etc/passwd', n)\n    except OSError: pass\n", {"OK"}),
]
