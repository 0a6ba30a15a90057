"""Real pickles for the content-scan tests, made with the `pickle` module the way an attacker or torch.save would.

`pickle.dumps` only records what to import and call on load; it never calls it, and nothing here is ever
unpickled. torch is not installed: its checkpoint formats are built by hand (the zip layout of torch.save, and
the legacy stream of pickles), with stand-in `torch` modules registered just long enough for pickle to name
`torch._utils._rebuild_tensor_v2` and `torch.FloatStorage` exactly as real checkpoints do.
"""
from __future__ import annotations

import collections
import contextlib
import io
import json
import pickle
import struct
import sys
import types
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

TORCH_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C  # torch.serialization.MAGIC_NUMBER (legacy format)


class Reduce:
    """An object whose unpickling calls `func(*args)`: the classic malicious `__reduce__`."""

    def __init__(self, func: Callable[..., Any], *args: Any) -> None:
        self.func = func
        self.args = args

    def __reduce__(self) -> tuple[Any, ...]:
        return self.func, self.args


def malicious(func: Callable[..., Any], *args: Any, protocol: int = pickle.DEFAULT_PROTOCOL) -> bytes:
    """A state-dict-looking pickle that calls `func(*args)` when loaded."""
    return pickle.dumps({"epoch": 3, "state": Reduce(func, *args)}, protocol=protocol)


class CustomHead:
    """A model class of the uploader's own: pickled by reference, unknown to picklescan (so suspicious)."""

    def __init__(self) -> None:
        self.width = 4


# torch stand-ins ---------------------------------------------------------------------------------------------------
class _Storage:
    def __init__(self, key: str, numel: int) -> None:
        self.key = key
        self.numel = numel


class _Tensor:
    def __init__(self, storage: _Storage, shape: tuple[int, ...], rebuild: Callable[..., Any]) -> None:
        self.storage, self.shape, self.rebuild = storage, shape, rebuild

    def __reduce__(self) -> tuple[Any, ...]:
        stride = tuple(_product(self.shape[i + 1:]) for i in range(len(self.shape)))
        return self.rebuild, (self.storage, 0, self.shape, stride, False, collections.OrderedDict())


def _product(values: tuple[int, ...]) -> int:
    result = 1
    for value in values:
        result *= value
    return result


@contextlib.contextmanager
def _torch_stand_ins() -> Iterator[tuple[Any, Any]]:
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args: Any) -> None:  # never called: only its name is pickled
        raise AssertionError("unpickled")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    storage_type = type("FloatStorage", (), {"__module__": "torch"})
    torch.FloatStorage = storage_type  # type: ignore[attr-defined]
    torch._utils = utils  # type: ignore[attr-defined]
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2  # type: ignore[attr-defined]
    saved = {name: sys.modules.get(name) for name in ("torch", "torch._utils")}
    sys.modules.update({"torch": torch, "torch._utils": utils})
    try:
        yield storage_type, _rebuild_tensor_v2
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def torch_state_dict_pickle(shapes: dict[str, tuple[int, ...]]) -> bytes:
    """data.pkl of a torch.save'd state dict: OrderedDict of _rebuild_tensor_v2 calls on persistent storages."""
    with _torch_stand_ins() as (storage_type, rebuild):
        class TorchPickler(pickle.Pickler):
            def persistent_id(self, obj: Any) -> Any:
                if isinstance(obj, _Storage):
                    return "storage", storage_type, obj.key, "cpu", obj.numel
                return None

        state = collections.OrderedDict(
            (name, _Tensor(_Storage(str(i), _product(shape)), shape, rebuild))
            for i, (name, shape) in enumerate(shapes.items()))
        buffer = io.BytesIO()
        TorchPickler(buffer, protocol=2).dump(state)
        return buffer.getvalue()


def torch_zip(data_pkl: bytes, storages: int = 1, archive: str = "archive") -> bytes:
    """torch.save's zip layout (stored entries): data.pkl, byteorder, data/<key>, version, serialization id."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        out.writestr(f"{archive}/data.pkl", data_pkl)
        out.writestr(f"{archive}/byteorder", b"little")
        for key in range(storages):
            out.writestr(f"{archive}/data/{key}", struct.pack("<4f", 0.5, -1.0, 2.0, 0.25))
        out.writestr(f"{archive}/version", b"3\n")
        out.writestr(f"{archive}/.data/serialization_id", b"1234567890123456789")
    return buffer.getvalue()


def legacy_torch(main_pickle: bytes) -> bytes:
    """The pre-1.6 torch.save stream: magic number, protocol version and sys info pickles, then the payload."""
    header = b"".join(pickle.dumps(value, protocol=2) for value in (
        TORCH_MAGIC_NUMBER, 1001, {"protocol_version": 1001, "little_endian": True,
                                   "type_sizes": {"short": 2, "int": 4, "long": 4}}))
    return header + main_pickle + pickle.dumps(["0"], protocol=2) + struct.pack("<4f", 1, 2, 3, 4)


def safetensors(shapes: dict[str, tuple[int, ...]]) -> bytes:
    """A safetensors file: little-endian header length, JSON header, raw float32 data. Holds no code."""
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in shapes.items():
        size = 4 * _product(shape)
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + bytes(offset)


TORCH_STATE_DICT = torch_zip(torch_state_dict_pickle({"encoder.weight": (2, 2)}))
