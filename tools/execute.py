"""Re-execute notebooks in place so that their stored outputs are regenerated deterministically.

usage: python tools/execute.py NOTEBOOK...        (what `make execute` runs on chapters/*.ipynb)

Each notebook runs top to bottom in a fresh kernel named "python3", always the Python of
the environment running this script (a "python3" kernelspec the user installed elsewhere,
say in ~/.local/share/jupyter, cannot shadow it), with the notebook's own folder as working
directory: the way `nbval --nbval-current-env` runs it.

Per-cell timing metadata is neither recorded nor kept, and consecutive pieces of one
stream (stdout, stderr) are merged into one output, since how the kernel splits a print
across messages depends on timing; so executing twice writes the same bytes. A cell that
raises stops the run and leaves that notebook unwritten.
"""
import argparse
import pathlib
import sys

import ipykernel.kernelspec
import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

KERNEL_NAME = "python3"
TIMING_KEYS = ("execution",)  # cell metadata written by nbclient/JupyterLab with timestamps


class ThisEnvironmentKernelSpecs(KernelSpecManager):
    """Resolve KERNEL_NAME to an ipykernel running on this very interpreter (sys.executable)."""

    def get_kernel_spec(self, kernel_name):
        if kernel_name == KERNEL_NAME:
            return KernelSpec(resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict())
        return super().get_kernel_spec(kernel_name)


class ThisEnvironmentKernelManager(AsyncKernelManager):
    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_spec_manager", ThisEnvironmentKernelSpecs())
        super().__init__(**kwargs)


def merge_streams(outputs):
    """Join consecutive stream outputs of the same name (nbval compares them joined too)."""
    merged = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] = "".join(merged[-1]["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def execute(path, timeout=600):
    """Execute the notebook at `path` and return it (not written)."""
    path = pathlib.Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        kernel_manager_class=ThisEnvironmentKernelManager,
        timeout=timeout,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    for cell in nb.cells:
        for key in TIMING_KEYS:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        print(f"executing {path}", flush=True)
        nb = execute(path, timeout=args.timeout)
        nbformat.write(nb, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
