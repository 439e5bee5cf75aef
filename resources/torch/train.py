"""Trains the run Latticework exported into this folder, with PyTorch (see README.md).

    python train.py                                  one process (CPU, or the first GPU)
    torchrun --nproc_per_node G train.py             G processes on one node (NCCL on GPUs, gloo on CPUs)
    sbatch train.sbatch                              Slurm (edit the #SBATCH lines first)

Writes to run/ (or --out DIR): metrics.jsonl (one line per epoch, Latticework's metric keys),
batches.jsonl (batch_loss, batch_lr), status.json (where and how it ran, how it ended),
last.lwm and best.lwm (Latticework model files), predictions.jsonl (every split, best weights).
Ctrl-C or SIGTERM (Slurm's time limit, scancel, torchrun stopping) stops the run after the step under way,
as cancelled with its best epoch's model. Exit status: 0 finished, 130 cancelled, 1 failed, 2 bad arguments
or a folder it will not train (nothing written then): run/ already holding a run (status.json), which is
never replaced unless --overwrite says so (a second sbatch, or Slurm requeueing the job, keeps the finished
run), config.json edited (the config trained is initial.lwm's: change it in Latticework and export again), or
a file of the export missing, cut short or changed against export.json's record (copy the export again).
Bring it back with `latticework import-run THIS_FOLDER`.
"""
import argparse
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from latticework_torch import config_changes, export_damage, run_held, train  # noqa: E402


def whole_number(text):
    """--epochs: a whole number ≥ 1, as `latticework export --epochs` takes it."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expects a whole number ≥ 1, not {text}")
    return n


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--out", default=os.path.join(here, "run"), help="where the run is written (default: run/ beside train.py)")
    p.add_argument("--epochs", type=whole_number, default=None, help="override the exported config's training.epochs")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: a GPU when PyTorch sees one")
    p.add_argument("--overwrite", action="store_true", help="replace the run --out already holds (its files are lost: import it first)")
    a = p.parse_args()
    rank = int(os.environ.get("RANK", "0"))
    log = print if rank == 0 else (lambda *_: None)
    # every process checks before any writes (the process group is not joined yet); process 0 says why
    held = None if a.overwrite else run_held(a.out)
    if held:
        return refuse(p, rank, f"{a.out} already holds {held}: bring it back first (latticework import-run {here}), move it away, train into another folder (--out DIR), or replace it (--overwrite)")
    damaged = export_damage(here)
    if damaged:
        return refuse(p, rank, damaged, usage=False)
    changed = config_changes(here)
    if changed:
        return refuse(p, rank, f"config.json differs from the config in initial.lwm ({changed}): train.py trains initial.lwm's config, with initial weights drawn for it; change the config in Latticework and export again (config.json is there to read)")
    return train(here, a.out, epochs=a.epochs, device_choice=a.device, log=log)


def refuse(parser, rank, message, usage=True):
    """Bad arguments or a folder not to train: nothing is written; process 0 says why (a damaged folder in one line,
    without the usage); exit status 2."""
    if rank == 0:
        if usage:
            parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return 2


def leave(code):
    """Ends the process without Python's teardown, once the run's files are written. There PyTorch 1.13 can
    deadlock: a gloo process group's destructor joins a worker thread that waits for the interpreter lock
    the exiting thread holds (seen once in CI: rank 1 of 2 never exited after the run had finished)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    try:
        status = main()
    except SystemExit as e:  # argparse: --help, or bad arguments (already printed)
        status = e.code if isinstance(e.code, int) else 0
    except BaseException:  # a failure: the run's status.json already says so
        traceback.print_exc()
        status = 1
    leave(int(status or 0))
