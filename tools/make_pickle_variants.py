#!/usr/bin/python3
"""Writes the pickle reader's variant test data (run once; the output is
committed, the tests never run Python):

  variants-p2.pkl, variants-p5.pkl  a training-snapshot-like pickle in the
      torch_utils.persistence format, protocol 2 (numpy module renamed to
      numpy._core, as numpy 2 writes it) and protocol 5, whose G_ema stores
      its tensors in every way torch can: float64/float16/bfloat16 storages,
      transposed, strided, offset, stride-0 and 0-d views, parameters,
      storages shared with G, a plain (non-persistent) submodule, a None
      parameter and a non-persistent buffer, plus numpy scalars and arrays.
  variants.safetensors  what the reader must return: every state_dict tensor
      as contiguous float32 and the init_kwargs JSON.
  mini-p4.pkl, mini.safetensors  the same structure with tiny tensors in
      protocol 4 (what train.py writes): a small seed for the fuzzer.

Usage: tools/make_pickle_variants.py T32.safetensors OUTDIR   (needs numpy and torch)
"""
import collections
import json
import pickle
import struct
import sys
import types

import numpy as np
import torch

# Stand-ins for the modules the official pickles name; only their names end
# up in the file.
def _module(name):
    m = types.ModuleType(name)
    sys.modules[name] = m
    return m

pers = _module('torch_utils.persistence')
_module('torch_utils')
dnnlib_util = _module('dnnlib.util')
_module('dnnlib')
_module('training')
fakenet = _module('training.fake_plain')


def _reconstruct_persistent_obj(meta):
    raise RuntimeError('data only')


_reconstruct_persistent_obj.__module__ = 'torch_utils.persistence'
pers._reconstruct_persistent_obj = _reconstruct_persistent_obj


class EasyDict(dict):
    pass


EasyDict.__module__ = 'dnnlib.util'
dnnlib_util.EasyDict = EasyDict


class Persistent:
    """Pickles like a torch_utils.persistence object."""

    def __init__(self, class_name, state):
        self.class_name, self.state = class_name, state

    def __reduce__(self):
        meta = dict(type='class', version=6, module_src='# placeholder\n',
                    class_name=self.class_name, state=self.state)
        return (_reconstruct_persistent_obj, (meta,))


class PlainModule:
    """Pickles like a plain torch.nn.Module: NEWOBJ + BUILD(__dict__)."""


PlainModule.__module__ = 'training.fake_plain'
fakenet.PlainModule = PlainModule


def module_state(params=(), buffers=(), modules=(), nonpersistent=(),
                 **attrs):
    s = dict(training=False,
             _parameters=collections.OrderedDict(params),
             _buffers=collections.OrderedDict(buffers),
             _non_persistent_buffers_set=set(nonpersistent),
             _backward_hooks=collections.OrderedDict(),
             _forward_hooks=collections.OrderedDict(),
             _modules=collections.OrderedDict(modules))
    s.update(attrs)
    return s


def read_safetensors(path):
    data = open(path, 'rb').read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop('__metadata__', None)
    out = {}
    for name, e in header.items():
        a, b = e['data_offsets']
        arr = np.frombuffer(data[8 + n + a:8 + n + b], dtype='<f4')
        out[name] = torch.from_numpy(arr.reshape(e['shape']).copy())
    return out


def write_safetensors(path, tensors, init_kwargs):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.float().contiguous().numpy().astype('<f4').tobytes()
        header[name] = dict(dtype='F32', shape=list(t.shape),
                            data_offsets=[off, off + len(b)])
        blobs.append(b)
        off += len(b)
    header['__metadata__'] = dict(init_kwargs=json.dumps(init_kwargs))
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def build(src):
    g = torch.Generator().manual_seed(1)

    def junk(n):
        return torch.randn(n, generator=g)

    def offset_view(t):  # a window in the middle of a larger storage
        big = torch.cat([junk(7), t.flatten(), junk(5)])
        return big[7:7 + t.numel()].view(t.shape)

    def transposed(t):  # column-major 2-d view
        return t.t().contiguous().t()

    def strided(t):  # every other element of a larger storage
        return torch.stack([t, torch.zeros_like(t)], dim=-1)[..., 0]

    expected = collections.OrderedDict()

    def param(name, t):
        expected[name] = t
        return torch.nn.Parameter(t, requires_grad=False)

    def buf(name, t):
        expected[name] = t
        return t

    fc0w = transposed(src['mapping.fc0.weight'])
    mapping = Persistent('MappingNetwork', module_state(
        modules=[
            ('fc0', Persistent('FullyConnectedLayer', module_state(
                params=[('weight', param('mapping.fc0.weight', fc0w)),
                        ('bias', param('mapping.fc0.bias',
                                       src['mapping.fc0.bias'].double()))],
                weight_gain=np.float64(0.125),
                in_features=64))),
            ('fc1', Persistent('FullyConnectedLayer', module_state(
                params=[('weight', param('mapping.fc1.weight',
                                         src['mapping.fc1.weight'].half())),
                        ('bias', None)],
                bias_gain=np.float32(1.0)))),
        ],
        buffers=[('w_avg', buf('mapping.w_avg',
                               src['mapping.w_avg'].bfloat16()))],
        num_ws=16, w_avg_beta=np.float64(0.998)))

    inp = 'synthesis.input.'
    syn_input = Persistent('SynthesisInput', module_state(
        params=[('weight', param(inp + 'weight',
                                 strided(src[inp + 'weight'])))],
        buffers=[('transform', buf(inp + 'transform',
                                   transposed(src[inp + 'transform']))),
                 ('freqs', buf(inp + 'freqs', offset_view(src[inp + 'freqs']))),
                 ('phases', buf(inp + 'phases', src[inp + 'phases'])),
                 ('scratch', torch.ones(3))],
        nonpersistent=['scratch'],
        modules=[('affine', Persistent('FullyConnectedLayer', module_state(
            params=[('weight', param(inp + 'affine.weight',
                                     src[inp + 'affine.weight'])),
                    ('bias', param(inp + 'affine.bias',
                                   src[inp + 'affine.bias']))])))],
        size=np.array([36, 36], dtype=np.int64),
        sampling_rate=np.float64(16.0),
        bandwidth=np.float64(2.0)))

    l0 = 'synthesis.L0_36_32.'
    plain = PlainModule()
    plain.__dict__ = module_state(
        params=[('weight', param(l0 + 'weight', src[l0 + 'weight'])),
                ('bias', param(l0 + 'bias', src[l0 + 'bias'][:1].expand(
                    src[l0 + 'bias'].shape)))],
        buffers=[('magnitude_ema', buf(l0 + 'magnitude_ema',
                                       src[l0 + 'magnitude_ema'])),
                 ('up_filter', buf(l0 + 'up_filter', src[l0 + 'up_filter']))],
        is_torgb=False, in_size=np.array([36, 36]))

    synthesis = Persistent('SynthesisNetwork', module_state(
        modules=[('input', syn_input), ('L0_36_32', plain)],
        layer_names=['L0_36_32'], num_ws=16))

    init_kwargs = EasyDict(
        w_dim=64, img_resolution=32, img_channels=3,
        channel_base=np.int64(2048), channel_max=32,
        magnitude_ema_beta=np.float64(0.9977843871238888),
        conv_clamp=None, use_radial_filters=False,
        layer_features=(1, 2.5, True, 'x"y'),
        mapping_kwargs=EasyDict(num_layers=np.int32(2)))
    g_ema = Persistent('Generator', module_state(
        modules=[('synthesis', synthesis), ('mapping', mapping)],
        _init_args=(64, 0), _init_kwargs=init_kwargs,
        z_dim=64, c_dim=0))

    # G shares tensors (so storages) with G_ema: G_ema reaches them through
    # the memo. D holds dtypes the reader must parse but never convert.
    g_train = Persistent('Generator', module_state(
        params=[('shared', torch.nn.Parameter(fc0w, requires_grad=False))],
        _init_kwargs=EasyDict()))
    d = Persistent('Discriminator', module_state(
        buffers=[('steps', torch.arange(5)),
                 ('mask', torch.tensor([True, False])),
                 ('cplx', torch.zeros(2, dtype=torch.complex64))],
        table=np.arange(6, dtype=np.uint8).reshape(2, 3)))
    snapshot = dict(G=g_train, D=d, G_ema=g_ema,
                    augment_pipe=Persistent('AugmentPipe', module_state()),
                    training_set_kwargs=EasyDict(path='x.zip', xflip=False))

    ik = dict(init_kwargs)
    ik.update(z_dim=64, c_dim=0, channel_base=2048,
              magnitude_ema_beta=0.9977843871238888,
              layer_features=[1, 2.5, True, 'x"y'],
              mapping_kwargs=dict(num_layers=2))
    return snapshot, expected, ik


def main():
    src = read_safetensors(sys.argv[1])
    outdir = sys.argv[2]
    snapshot, expected, ik = build(src)
    p2 = pickle.dumps(snapshot, protocol=2)
    # numpy 2 names its module numpy._core; protocol 2 writes module names
    # as text lines (GLOBAL), so renaming keeps the pickle valid.
    assert b'numpy.core.multiarray\n' in p2
    p2 = p2.replace(b'numpy.core.multiarray\n', b'numpy._core.multiarray\n')
    open(outdir + '/variants-p2.pkl', 'wb').write(p2)
    open(outdir + '/variants-p5.pkl', 'wb').write(
        pickle.dumps(snapshot, protocol=5))

    write_safetensors(outdir + '/variants.safetensors', expected, ik)

    g = torch.Generator().manual_seed(2)
    tiny = {k: torch.randn([min(d, 3) for d in v.shape], generator=g)
            for k, v in src.items()}
    snapshot, expected, ik = build(tiny)
    open(outdir + '/mini-p4.pkl', 'wb').write(
        pickle.dumps(snapshot, protocol=4))
    write_safetensors(outdir + '/mini.safetensors', expected, ik)


if __name__ == '__main__':
    main()
