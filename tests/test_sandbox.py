"""The sandbox: student code runs in a separate, limited process and cannot reach the judge.

A normal call first, then loading (one package, both import spellings, per-module errors), then a
battery of hostile submissions (``tests/hostile/``), each of which must give the right Outcome and
leave the judge, the zygote and the next child untouched. Every test runs twice: sandboxed (skipped
where this machine cannot build namespaces) and unsandboxed (``sandbox=False``), where a test marked
``only_sandboxed`` states a guarantee the fallback does not give.

Nothing here asserts a duration: "eventually dead" waits generously and timings are only reported
by ``bench/sandbox_latency.py``.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import zygote as sandbox
from grader.sandbox import wire
from grader.paths import PROJECT_ROOT
from grader.sandbox.zygote import Limits, Outcome, SandboxError, Zygote

HOSTILE = Path(__file__).parent / "hostile"
# Generous time: a test that expects a timeout passes its own short one.
LIMITS = Limits(case_seconds=10.0, submission_seconds=300.0, memory_bytes=256 << 20, processes=24,
                output_bytes=64 << 10)
SECRET = "embedlab-secret-" + uuid.uuid4().hex
EVENTUALLY = 30.0  # seconds: generous, for a loaded two-core machine


def hostile(name: str) -> str:
    return (HOSTILE / f"{name}.py").read_text()


def eventually(predicate, timeout: float = EVENTUALLY) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def processes_matching(marker: str) -> list[int]:
    """Host PIDs whose name or command line contains ``marker`` (zombies included)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm", "rb") as fh:
                comm = fh.read()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
        except OSError:
            continue
        if marker.encode() in comm or marker.encode() in cmdline:
            found.append(int(entry))
    return found


def zombie_children(pid: int) -> list[int]:
    zombies = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if fields[0] == b"Z" and int(fields[1]) == pid:
                zombies.append(int(entry))
    return zombies


# ------------------------------------------------------------------------------------------------
# fixtures: a class folder with secrets outside /tmp, a secret in the judge's environment
# ------------------------------------------------------------------------------------------------

def _secrets_base(tmp_path_factory) -> Path:
    """A folder outside every path the sandbox hides by default, so hiding it is really tested."""
    for parent in ("/var/lib", "/opt", "/srv"):
        if os.access(parent, os.W_OK):
            import tempfile
            base = Path(tempfile.mkdtemp(prefix="embedlab-sandbox-test-", dir=parent))
            base.chmod(0o755)  # readable by the sandbox uid: only hiding may keep it out
            return base
    return tmp_path_factory.mktemp("secrets")


@pytest.fixture(scope="module")
def secrets(tmp_path_factory):
    import shutil
    base = _secrets_base(tmp_path_factory)
    layout = {
        "class/alice/bpe.py": "ALICE-SECRET",
        "cases/hidden/test_bpe.py": "HIDDEN-CASE-SECRET",
        "home/notes.txt": "HOME-SECRET",
        "out/gradebook.csv": "OUTPUT-SECRET",
    }
    for rel, text in layout.items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text(text)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module", params=["sandboxed", "unsandboxed"])
def zygote(request, secrets):
    mp = pytest.MonkeyPatch()
    mp.setenv("EMBEDLAB_TEST_SECRET", SECRET)
    mp.setenv("HOME", str(secrets / "home"))
    mp.delenv("EMBEDLAB_NO_SANDBOX", raising=False)
    want = request.param == "sandboxed"
    z = Zygote(LIMITS, hide=[secrets / "class", secrets / "cases", secrets / "out"], sandbox=want)
    try:
        z.start()
    finally:
        mp.undo()
    if want and not z.sandboxed:
        z.close()
        pytest.skip(f"no sandbox on this machine: {z.why_unsandboxed}")
    yield z
    z.close()


@pytest.fixture
def spawn(zygote):
    """Spawn children that are closed after the test, and check the zygote survived."""
    children = []

    def make(modules: dict[str, str]) -> sandbox.Child:
        child = zygote.spawn(modules)
        children.append(child)
        return child
    yield make
    for child in children:
        child.close()
    assert zygote._process.poll() is None, "the zygote died"


#: guarantees that hold only with namespaces: these tests run on the sandboxed zygote alone (the
#: unsandboxed mode promises none of them, and says so loudly when grading)
only_sandboxed = pytest.mark.parametrize("zygote", ["sandboxed"], indirect=True)


# ------------------------------------------------------------------------------------------------
# a normal call
# ------------------------------------------------------------------------------------------------

BPE = '''
def train_bpe(text, num_merges):
    if num_merges < 0:
        raise ValueError("num_merges must be >= 0")
    return [("l", "o"), ("lo", "w")][:num_merges]

def add_one_in_place(a):
    a += 1

def describe(*args, **kwargs):
    return [type(a).__name__ for a in args], sorted(kwargs)

def apply(f, x):
    return f(x)

def talk():
    print("hello from bpe")
    return None

def encode(text, merges):
    raise NotImplementedError
'''


def test_a_call_returns_the_students_value(spawn):
    child = spawn({"bpe": BPE})
    out = child.call("bpe", "train_bpe", ("low low low lower lowest", 2))
    assert out == Outcome("ok", value=[("l", "o"), ("lo", "w")], seconds=out.seconds)
    assert out.seconds > 0


def test_values_of_every_plain_type_cross_both_ways(spawn):
    child = spawn({"bpe": BPE})
    args = (np.eye(2), np.float32(1.5), {("a", "b"): 1}, {1, 2}, None)
    out = child.call("bpe", "describe", args, {"k": 1})
    assert out.value == (["ndarray", "float32", "dict", "set", "NoneType"], ["k"])


def test_keep_args_shows_in_place_updates(spawn):
    child = spawn({"bpe": BPE})
    a = np.zeros(3)
    out = child.call("bpe", "add_one_in_place", (a,), keep_args=True)
    assert out.kind == "ok" and np.array_equal(out.args[0], np.ones(3))
    assert np.array_equal(a, np.zeros(3)), "the judge's own array is never touched"


def test_named_functions_are_built_in_the_child(spawn):
    child = spawn({"bpe": BPE})
    f = wire.NamedFunction("sum_squares", {})
    assert child.call("bpe", "apply", (f, np.array([1.0, 2.0]))).value == 5.0
    with pytest.raises(ValueError, match="no function named"):
        child.call("bpe", "apply", (wire.NamedFunction("nope", {}), 1.0))


def test_raised_not_attempted_missing_and_output(spawn):
    child = spawn({"bpe": BPE})
    raised = child.call("bpe", "train_bpe", ("x", -1))
    assert raised.kind == "raised" and raised.type_name == "ValueError"
    assert raised.raised_builtin(ValueError) and "must be >= 0" in raised.message
    assert child.call("bpe", "encode", ("x", [])).kind == "not_attempted"
    assert child.call("bpe", "no_such_function").kind == "missing"
    assert child.call("lookup", "build_vocab", ([], "ab")).kind == "missing"
    assert child.call("bpe", "talk").output == "hello from bpe\n"


def test_spawn_refuses_files_that_are_not_exercise_modules(zygote):
    for name in ("numpy", "sitecustomize", "conftest", "solutions"):
        with pytest.raises(ValueError):
            zygote.spawn({name: "raise SystemExit"})


# ------------------------------------------------------------------------------------------------
# loading
# ------------------------------------------------------------------------------------------------

def test_relative_and_top_level_imports_give_the_same_module(spawn):
    child = spawn({
        "bpe": "def encode(text, merges):\n    return list(text)\n",
        "lookup": "from . import bpe\nimport bpe as top\nimport sys\n"
                  "def same():\n    return bpe is top and sys.modules['bpe'] is sys.modules['submission.bpe']\n",
        "pipeline": "from bpe import encode\nfrom .lookup import same\n"
                    "def run(text):\n    return encode(text, []), same()\n",
    })
    assert child.load_errors == {"skipgram": "was not submitted", "similarity": "was not submitted"}
    assert child.call("lookup", "same").value is True
    assert child.call("pipeline", "run", ("ab",)).value == (["a", "b"], True)


def test_each_module_loads_on_its_own_and_errors_say_where(spawn):
    child = spawn({
        "bpe": "def f(:\n    pass\n",
        "lookup": "from . import bpe\n",
        "skipgram": "x = 1\nraise ValueError('boom at import')\n",
        "similarity": "import numpy\ndef where():\n    return numpy.__file__\n",
    })
    errors = child.load_errors
    assert errors["bpe"].startswith("SyntaxError") and "bpe.py, line 1" in errors["bpe"]
    assert "bpe.py" in errors["lookup"]
    assert errors["skipgram"] == "ValueError while importing: boom at import (skipgram.py, line 2)"
    assert errors["pipeline"] == "was not submitted"
    assert "similarity" not in errors
    assert "site-packages" in child.call("similarity", "where").value, "the real numpy, not a student's"
    missing = child.call("bpe", "f")
    assert missing.kind == "missing" and "SyntaxError" in missing.message
    assert child.call("pipeline", "retrieve").kind == "missing"


def test_a_module_that_hangs_or_crashes_at_import_is_skipped(zygote):
    limits = Limits(case_seconds=3.0, memory_bytes=LIMITS.memory_bytes)  # 3 s for each import
    with Zygote(limits, sandbox=zygote.sandboxed) as short:
        child = short.spawn({
            "bpe": "def ok():\n    return 'ok'\n",
            "skipgram": "while True:\n    pass\n",
            "similarity": "import os\nos._exit(5)\n",
            "pipeline": "print('imported')\ndef ok():\n    return 'ok'\n",
        })
        errors = child.load_errors
        assert "took longer than 3 s" in errors["skipgram"]
        assert "ended the process" in errors["similarity"] and "status 5" in errors["similarity"]
        assert child.call("bpe", "ok").value == "ok"
        assert child.call("pipeline", "ok").value == "ok"
        assert "imported" in child.load_output


def test_a_source_that_cannot_be_written_is_a_load_error_not_a_sandbox_error(spawn):
    child = spawn({"bpe": 'x = "\udcff"\n', "lookup": "def f():\n    return 1\n"})
    assert "could not be written" in child.load_errors["bpe"]
    assert child.call("lookup", "f").value == 1


# ------------------------------------------------------------------------------------------------
# hostile: time, memory, output
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("function", ["spin", "sleep_forever"])
def test_a_call_that_never_returns_times_out_and_the_next_one_runs(spawn, function):
    child = spawn({"bpe": hostile("limits")})
    out = child.call("bpe", function, timeout=0.5)
    assert out.kind == "timeout" and "0.5 s" in out.message
    assert child.call("bpe", "quick", (7,)).value == 7


def test_the_submission_budget_ends_every_later_call(zygote):
    limits = Limits(case_seconds=3.0, submission_seconds=5.0, memory_bytes=LIMITS.memory_bytes)
    with Zygote(limits, sandbox=zygote.sandboxed) as small:
        child = small.spawn({"bpe": hostile("limits")})
        assert child.load_errors.get("bpe") is None
        kinds = [child.call("bpe", "spin", timeout=2.0) for _ in range(4)]
        assert [o.kind for o in kinds] == ["timeout"] * 4
        assert "submission time limit" in kinds[-1].message
        late = child.call("bpe", "quick", (1,))
        assert late.kind == "timeout" and "submission time limit" in late.message
        child.close()


def test_a_memory_bomb_is_a_memory_outcome(spawn):
    child = spawn({"bpe": hostile("limits")})
    out = child.call("bpe", "memory_bomb", timeout=30)
    assert out.kind == "memory" and "256 MiB" in out.message
    assert child.call("bpe", "quick", (2,)).value == 2


def test_printing_100_megabytes_is_capped(spawn):
    child = spawn({"bpe": hostile("limits")})
    out = child.call("bpe", "shout", (100,), timeout=60)
    assert out.kind == "ok" and out.value == "done"
    assert out.output.endswith("[output truncated]")
    assert len(out.output.encode()) <= LIMITS.output_bytes + 100
    later = child.call("bpe", "quick", (3,))
    assert later.value == 3 and later.output == "\n[output truncated]"  # the budget is spent


# ------------------------------------------------------------------------------------------------
# hostile: ending the process
# ------------------------------------------------------------------------------------------------

def test_os_exit_is_a_crash_with_its_status(spawn):
    child = spawn({"bpe": hostile("crashes")})
    out = child.call("bpe", "exit_now", (3,))
    assert out.kind == "crashed" and "status 3" in out.message
    assert child.call("bpe", "alive").kind == "ok"


@pytest.mark.parametrize("function, args, type_name", [
    ("sys_exit", (2,), "SystemExit"),
    ("raise_system_exit", (), "SystemExit"),
    ("raise_keyboard_interrupt", (), "KeyboardInterrupt"),
])
def test_exit_exceptions_are_raised_exceptions(spawn, function, args, type_name):
    child = spawn({"bpe": hostile("crashes")})
    before = child.call("bpe", "alive").value
    out = child.call("bpe", function, args)
    assert out.kind == "raised" and out.type_name == type_name and type_name in out.builtin_mro
    assert child.call("bpe", "alive").value == before, "the same child goes on"


def test_a_segfault_is_a_crash(spawn):
    child = spawn({"bpe": hostile("crashes")})
    out = child.call("bpe", "segfault")
    assert out.kind == "crashed" and "SIGSEGV" in out.message
    assert child.call("bpe", "alive").kind == "ok"


def test_abort_is_a_crash(spawn):
    child = spawn({"bpe": hostile("crashes")})
    assert child.call("bpe", "abort").kind == "crashed"
    assert child.call("bpe", "alive").kind == "ok"


# ------------------------------------------------------------------------------------------------
# hostile: processes
# ------------------------------------------------------------------------------------------------

def test_a_fork_bomb_is_bounded_and_nothing_survives(spawn):
    marker = "eb" + uuid.uuid4().hex[:10]
    child = spawn({"bpe": hostile("processes")})
    out = child.call("bpe", "fork_bomb", (marker,), timeout=60)
    assert out.kind == "ok" and 0 < out.value <= LIMITS.processes
    assert processes_matching(marker)
    child.close()
    assert eventually(lambda: not processes_matching(marker))


def test_background_processes_die_at_close(spawn):
    marker = "eb" + uuid.uuid4().hex[:10]
    seconds = f"1000.{uuid.uuid4().int % 10**9}"
    child = spawn({"bpe": hostile("processes")})
    assert child.call("bpe", "background", (marker, seconds)).value == "started"
    assert eventually(lambda: processes_matching(marker) and processes_matching(seconds))
    child.close()
    assert eventually(lambda: not processes_matching(marker) and not processes_matching(seconds))


def test_killing_every_process_it_can_reaches_only_its_own(spawn, zygote):
    if not zygote.sandboxed and os.geteuid() != 0:
        pytest.skip("unsandboxed without root the student runs as the grader's user")
    child = spawn({"bpe": hostile("processes")})
    assert child.call("bpe", "kill_everything").kind == "ok"
    assert child.call("bpe", "visible_pids").kind == "ok"
    assert zygote._process.poll() is None


@only_sandboxed
def test_only_its_own_processes_are_visible(spawn, zygote):
    child = spawn({"bpe": hostile("processes")})
    assert child.call("bpe", "visible_pids").value == [1]


# ------------------------------------------------------------------------------------------------
# hostile: files
# ------------------------------------------------------------------------------------------------

@only_sandboxed
def test_solutions_cases_submissions_home_and_output_are_hidden(spawn, zygote, secrets):
    child = spawn({"bpe": hostile("files")})

    def call(function, *args):
        return child.call("bpe", function, args).value
    for path in [PROJECT_ROOT / "solutions" / "bpe.py", PROJECT_ROOT / "grader" / "cases",
                 secrets / "class" / "alice" / "bpe.py", secrets / "cases" / "hidden" / "test_bpe.py",
                 secrets / "home" / "notes.txt", secrets / "out" / "gradebook.csv"]:
        assert call("read", str(path)) in ("FileNotFoundError", "IsADirectoryError"), path
    for folder in ("class", "cases", "out", "home"):
        assert call("listdir", str(secrets / folder)) == []
    assert "solutions" not in call("listdir", str(PROJECT_ROOT))
    assert call("listdir", "/root") in ([], [".pyenv"])  # at most the way to the interpreter


@only_sandboxed
def test_hidden_paths_cannot_be_unmounted(spawn, zygote, secrets):
    child = spawn({"bpe": hostile("files")})
    for function in ("unmount", "unmount_in_own_namespace"):
        result, _, listing = child.call("bpe", function, (str(secrets / "class"),)).value
        assert listing == [], function
    caps = child.call("bpe", "capabilities").value
    assert int(caps["CapEff"], 16) == 0 and int(caps["CapBnd"], 16) == 0


@only_sandboxed
def test_writes_outside_the_work_dir_never_reach_the_host(spawn, zygote, secrets):
    child = spawn({"bpe": hostile("files")})
    name = "escape-" + uuid.uuid4().hex
    targets = [secrets / name, secrets / "out" / name, Path("/tmp") / name, Path("/var/tmp") / name,
               PROJECT_ROOT / name]
    for target in targets:
        child.call("bpe", "write", (str(target), "pwned"))
    assert child.call("bpe", "write", (name, "mine")).value == "written"  # its own work dir is fine
    child.close()
    for target in targets:
        assert not target.exists(), target


def test_the_student_sees_only_its_own_files(spawn, zygote):
    child = spawn({"bpe": hostile("snoop"), "lookup": "x = 1\n"})
    uid, cwd, files, path = child.call("bpe", "identity").value
    assert files == ["bpe.py", "lookup.py"]
    if zygote.sandboxed:
        assert cwd == "/tmp/submission"


# ------------------------------------------------------------------------------------------------
# hostile: secrets in the environment, modules, the network
# ------------------------------------------------------------------------------------------------

def test_the_judges_environment_is_not_visible(spawn):
    child = spawn({"bpe": hostile("snoop")})
    assert child.call("bpe", "environ").value == {}
    for pid in ("self", 1):
        seen = child.call("bpe", "proc_environ", (pid,)).value
        assert isinstance(seen, str) and SECRET not in seen
    everything = child.call("bpe", "all_environs").value
    assert isinstance(everything, str) and SECRET not in everything


def test_no_solutions_or_cases_are_loaded_in_the_child(spawn):
    child = spawn({"bpe": hostile("snoop")})
    names = child.call("bpe", "module_names").value
    assert not [n for n in names if n.split(".")[0] in ("solutions", "exercises")]
    assert not [n for n in names if n.startswith("grader.") and n not in
                ("grader.sandbox", "grader.sandbox.wire", "grader.sandbox.child",
                               "grader.paths")]


@only_sandboxed
def test_solutions_and_cases_cannot_be_imported(spawn, zygote):
    child = spawn({"bpe": hostile("snoop")})
    for name in ("solutions", "solutions.bpe", "grader.cases", "grader.casekit", "grader.grading.engine",
                 "exercises.bpe"):
        assert child.call("bpe", "try_import", (name,)).value in ("ModuleNotFoundError", "ImportError"), name
    assert "site-packages" in child.call("bpe", "try_import", ("numpy.polynomial",)).value


@only_sandboxed
def test_there_is_no_network(spawn, zygote):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        child = spawn({"bpe": hostile("snoop")})
        out = child.call("bpe", "connect", (server.getsockname()[1],), timeout=10)
    assert out.kind == "ok" and out.value != "connected"


# ------------------------------------------------------------------------------------------------
# hostile: lies
# ------------------------------------------------------------------------------------------------

def test_lying_results_arrive_as_plain_data(spawn):
    child = spawn({"bpe": hostile("lies")})
    arr = child.call("bpe", "numpy_subclass").value
    assert type(arr) is np.ndarray and list(arr) == [0.0, 1.0, 2.0]
    eq = child.call("bpe", "always_equal").value
    assert isinstance(eq, wire.Opaque) and eq != 1
    for which in ("int", "nested", "loop"):
        out = child.call("bpe", "unsendable", (which,))
        assert out.kind == "ok" and isinstance(out.value, wire.Opaque), which


def test_a_students_own_valueerror_is_not_the_builtin(spawn):
    child = spawn({"bpe": hostile("lies")})
    fake = child.call("bpe", "fake_value_error")
    assert fake.kind == "raised" and fake.type_name == "ValueError"
    assert "ValueError" not in fake.builtin_mro and not fake.raised_builtin(ValueError)
    real = child.call("bpe", "real_value_error")
    assert real.type_name == "RealError" and real.raised_builtin(ValueError)


def test_patching_json_and_builtins_in_the_child_changes_nothing_for_the_judge(spawn):
    child = spawn({"bpe": hostile("lies")})
    assert child.call("bpe", "patch_runtime").value == [1, 2]
    assert child.call("bpe", "numpy_subclass").kind == "ok"
    assert child.call("bpe", "not_implemented").kind in ("not_attempted", "raised")


def test_garbage_or_forged_frames_on_the_channel_are_a_crash(spawn):
    child = spawn({"bpe": hostile("lies")})
    out = child.call("bpe", "garbage_on_channel")
    assert out.kind == "crashed" and "malformed" in out.message
    out = child.call("bpe", "forged_reply", (1,))
    assert out.kind == "crashed" and "malformed" in out.message
    assert child.call("bpe", "always_equal").kind == "ok"


# ------------------------------------------------------------------------------------------------
# the judge's side
# ------------------------------------------------------------------------------------------------

def test_close_leaves_no_process_and_no_zombie(secrets):
    with Zygote(LIMITS) as z:
        child = z.spawn({"bpe": hostile("crashes")})
        assert child.call("bpe", "alive").kind == "ok"
        zygote_pid = z._process.pid
        child.close()
        with pytest.raises(SandboxError):
            child.call("bpe", "alive")
        assert eventually(lambda: not zombie_children(zygote_pid))
    assert not os.path.exists(f"/proc/{zygote_pid}/stat") or eventually(
        lambda: not os.path.exists(f"/proc/{zygote_pid}/stat"))
    assert not zombie_children(os.getpid())


JUDGE_THAT_DIES = """
import sys
from grader.sandbox.zygote import Zygote
source = open(sys.argv[1]).read()
with Zygote(sandbox=sys.argv[3] == "1") as z:
    child = z.spawn({"bpe": source})
    print(child.call("bpe", "background", (sys.argv[2], sys.argv[4])).value, z._process.pid, flush=True)
    sys.stdin.read()
"""


def test_nothing_survives_a_judge_that_is_killed(zygote):
    import subprocess
    marker = "eb" + uuid.uuid4().hex[:10]
    seconds = f"1000.{uuid.uuid4().int % 10**9}"
    judge = subprocess.Popen(
        [sys.executable, "-c", JUDGE_THAT_DIES, str(HOSTILE / "processes.py"), marker,
         "1" if zygote.sandboxed else "0", seconds],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    started, zygote_pid = judge.stdout.readline().split()
    assert started == "started"
    assert eventually(lambda: processes_matching(marker) and processes_matching(seconds))
    judge.kill()
    judge.wait()
    assert eventually(lambda: not processes_matching(marker) and not processes_matching(seconds))
    assert eventually(lambda: not os.path.exists(f"/proc/{zygote_pid}"))


def test_nothing_survives_a_zygote_that_is_killed(zygote):
    marker = "eb" + uuid.uuid4().hex[:10]
    with Zygote(LIMITS, sandbox=zygote.sandboxed) as doomed:
        child = doomed.spawn({"bpe": hostile("processes")})
        assert child.call("bpe", "background", (marker, "1000.5")).value == "started"
        os.kill(doomed._process.pid, signal.SIGKILL)
        assert eventually(lambda: not processes_matching(marker))
        assert child.call("bpe", "visible_pids").kind == "crashed"
        with pytest.raises(SandboxError):
            child.call("bpe", "visible_pids")  # a new child needs the zygote


def test_the_sandbox_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_NO_SANDBOX", "1")
    with Zygote(LIMITS) as z:
        assert not z.sandboxed and "EMBEDLAB_NO_SANDBOX" in z.why_unsandboxed
        assert z.spawn({"bpe": BPE}).call("bpe", "train_bpe", ("x", 1)).kind == "ok"
    assert "turned off" in sandbox.why_unsandboxed(False)


def test_the_child_environment_is_scrubbed(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    env = sandbox.sandbox_environment()
    assert set(env) <= {"PATH", "LANG", "HOME", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                        "MKL_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "PYTHONHASHSEED"}
    assert env["HOME"] == "/nonexistent" and env["PYTHONHASHSEED"] == "0"


def test_set_order_is_the_same_in_every_zygote():
    """Grading is reproducible even for code that depends on the iteration order of a set."""
    src = "def build_vocab(merges, alphabet):\n    return list(alphabet)\n"
    seen = set()
    for _ in range(2):
        with Zygote(LIMITS) as z:
            child = z.spawn({"lookup": src})
            seen.add(tuple(child.call("lookup", "build_vocab", ([], set("qwertyuiop")), timeout=5).value))
            child.close()
    assert len(seen) == 1


@pytest.mark.parametrize("report, cpu, words", [
    ({"code": os.CLD_EXITED, "status": 3}, None, "status 3"),
    ({"code": os.CLD_KILLED, "status": signal.SIGSEGV}, None, "segmentation fault"),
    ({"code": os.CLD_KILLED, "status": signal.SIGKILL}, 200.0, "CPU time limit"),
    ({"code": os.CLD_KILLED, "status": signal.SIGKILL}, 0.1, "memory limit"),
    (None, None, "no exit status"),
])
def test_how_a_child_ended_is_said_in_words(report, cpu, words):
    assert words in sandbox._describe_exit(report, cpu, Limits())


def test_kept_python_directories_are_inside_hidden_ones_and_never_hidden_themselves(tmp_path):
    from grader.sandbox.child import keep_paths
    for rel in ("project/.venv/lib/site-packages/solutions", "project/solutions", "usr/lib"):
        (tmp_path / rel).mkdir(parents=True)
    project = str(tmp_path / "project")
    site = str(tmp_path / "project/.venv/lib/site-packages")
    hide = [project, site + "/solutions"]
    kept = keep_paths(hide, [project, site, site + "/solutions", str(tmp_path / "usr/lib"), "/nonexistent"])
    assert kept == [site]  # the project itself never; usr/lib is visible anyway
