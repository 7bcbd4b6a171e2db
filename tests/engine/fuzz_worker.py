"""Fuzz worker: damages Keras files and loads them, one case after another.

    python fuzz_worker.py CASES.json WORKDIR TRACE_FILE CASE_TIMEOUT

CASES.json lists cases {"id", "fixture", "seed", "mode"}; mode is load_model,
load_weights or load_weights_by_name (the last two into a model built from the
undamaged fixture). For each case the worker prints one JSON line {"start": id} before
it touches the file and one result line after: {"id", "outcome": "ok" | "error",
"type", "keralite", "names_file", "message", "mutation"}. A case that crashes the
process leaves its start line without a result, and faulthandler writes the stack
where it happened to TRACE_FILE. A case still running after CASE_TIMEOUT seconds makes
faulthandler write every thread's stack there too and end the process. From the stack
the parent tells a hang or crash inside h5py/libhdf5 from one of ours.
"""
import faulthandler
import json
import os
import resource
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from h5_mutations import mutate  # noqa: E402

# A damaged file must never make the loader take the machine's memory: with this cap
# an allocation that large fails as a MemoryError (reported as a non-keralite error)
# instead of inviting the OOM killer onto a shared machine.
ADDRESS_SPACE_LIMIT = 16 * 2 ** 30


def emit(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def main():
    cases_file, workdir, trace_path, case_timeout = sys.argv[1:5]
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    warnings.simplefilter("ignore")
    from keralite import backend as K
    from keralite.engine.saving_errors import ModelLoadError
    from keralite.models import load_model
    with open(cases_file) as f:
        cases = json.load(f)
    # Loading each undamaged fixture first, untimed, compiles what building its model
    # needs (a cold compile cache may take seconds): the timeout then measures the
    # load of the damaged copy alone. These models also receive load_weights.
    pristine_models = {fixture: load_model(fixture) for fixture in sorted({c["fixture"] for c in cases})}
    trace = open(trace_path, "w")
    faulthandler.enable(file=trace)         # a crash leaves the stack where it happened
    for case in cases:
        path = os.path.join(workdir, "case_%06d.h5" % case["id"])
        emit({"start": case["id"]})
        mutation = mutate(case["fixture"], path, case["seed"])
        faulthandler.dump_traceback_later(float(case_timeout), exit=True, file=trace)
        result = {"id": case["id"], "mutation": mutation}
        started = time.monotonic()
        try:
            if case["mode"] == "load_model":
                load_model(path)
            else:
                pristine_models[case["fixture"]].load_weights(path, by_name=case["mode"] == "load_weights_by_name")
            result["outcome"] = "ok"
        except Exception as exc:
            message = str(exc)
            result.update(outcome="error", type=type(exc).__name__, keralite=isinstance(exc, ModelLoadError),
                          names_file=path in message, message=message[:2000])
        finally:
            faulthandler.cancel_dump_traceback_later()
        result["seconds"] = round(time.monotonic() - started, 3)
        os.remove(path)
        K.clear_session()
        emit(result)


if __name__ == "__main__":
    main()
