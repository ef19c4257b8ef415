"""What a file that is not an ember checkpoint is, and what to do about it."""

from __future__ import annotations

from typing import IO


def foreign_message(name: str, head: bytes, fh: IO[bytes]) -> str:
    """The ``RuntimeError`` text for a file that does not start with ember's magic bytes."""
    convert = ("Convert it once where PyTorch is installed: sd = torch.load(path, map_location='cpu', "
               "weights_only=True); ember.save({k: ember.from_numpy(v.float().numpy() if v.dtype == "
               "torch.bfloat16 else v.numpy()) for k, v in sd.items()}, new_path); then "
               "ember.load(new_path). Or save it from PyTorch with safetensors.torch.save_file(sd, "
               "'model.safetensors') and load that with ember.load('model.safetensors').")
    if not head:
        return f"{name} is empty, not an ember checkpoint (a save was probably interrupted before it began)."
    if head.startswith(b"PK\x03\x04"):
        if _is_torch_zip(head, fh):
            return (f"{name} is a PyTorch checkpoint (torch.save's zip format). ember.load never unpickles, "
                    f"because unpickling can run arbitrary code. {convert}")
        return f"{name} is a zip archive, not an ember checkpoint."
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        return (f"{name} is a Python pickle (PyTorch's legacy torch.save format, or pickle.dump), not an "
                "ember checkpoint. ember.load never unpickles, because unpickling can run arbitrary code. "
                + convert)
    if head.startswith(b"\x93NUMPY"):
        return (f"{name} is a NumPy .npy file, not an ember checkpoint: load it with numpy.load and "
                "ember.from_numpy.")
    if len(head) >= 10 and head[8:10] == b'{"':
        return (f"{name} looks like a safetensors file, not an ember checkpoint: load it with "
                "ember.load(f, format='safetensors') (a path ending in .safetensors is read as one by default).")
    return (f"{name} is not an ember checkpoint (it does not start with the ember magic bytes; found "
            f"{head[:8]!r}). It is another kind of file, or its beginning was overwritten.")


def _is_torch_zip(head: bytes, fh: IO[bytes]) -> bool:
    import zipfile

    # NOTE: anything may go wrong reading a hostile zip (or a stream that cannot seek); the diagnosis is
    # best effort and must never raise, so every failure falls back on the first entry's name.
    try:
        fh.seek(fh.tell() - len(head))  # where this file began: a stream may hold other data before it
        with zipfile.ZipFile(fh) as z:
            names = z.namelist()
    except Exception:
        # a truncated zip has no central directory
        try:
            more = fh.read(256) or b""
        except Exception:
            more = b""
        return b"data.pkl" in head + more
    return any(n.endswith("data.pkl") for n in names)
