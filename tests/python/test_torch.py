"""kirchhoff.torch.ResistiveNetwork: gradcheck with the exact estimator for the parameters and
the inputs, EP's backward close to it, composition with ordinary torch layers, projection onto
the conductance bounds, and Model.vjp against finite differences."""

import numpy as np
import pytest

import kirchhoff

torch = pytest.importorskip("torch")
import kirchhoff.torch as kt  # noqa: E402



def interior(layer, seed=0):
    """Conductances at generic interior values, as training leaves them (a generated network
    starts with half of them at gmin, where finite differences cannot resolve them)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        mask = layer._conductance
        layer.theta[mask] = 0.05 + 0.4 * torch.rand(int(mask.sum()), generator=g,
                                                    dtype=torch.float64)
        layer.theta[~mask] = 0.02 * torch.randn(int((~mask).sum()), generator=g,
                                                dtype=torch.float64)


@pytest.mark.parametrize("bias_voltage", [0.0, 0.3])
def test_gradcheck_exact_parameters_and_inputs(bias_voltage):
    layer = kt.ResistiveNetwork("3-4-2", seed=2, input_gain=2, bias_voltage=bias_voltage)
    interior(layer)
    x = torch.randn(3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1),
                    requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, th: kt._Equilibrium.apply(x, th, layer),
                                    (x, layer.theta), eps=1e-6, atol=1e-6, rtol=1e-4)


SHOCKLEY = """shockley layer
*kh .input gain=1.5 (vx0p vx0n) (vx1p vx1n)
*kh .output o0 o1
*kh .train r1 r2 r3 r4 r5 r6 r7 r8 ib
.model dd d(is=1e-9 n=1.5)
vx0p x0p 0 0
vx0n x0n 0 0
vx1p x1p 0 0
vx1n x1n 0 0
r1 h x0p 2k
r2 h x0n 3k
r3 h x1p 1.5k
r4 h x1n 4k
d1 h 0 dd
r5 o0 h 1k
r6 o0 x0p 5k
r7 o1 h 2k
r8 o1 0 3k
ib 0 h 10u
"""


def test_gradcheck_exact_with_a_shockley_netlist():
    layer = kt.ResistiveNetwork(netlist=SHOCKLEY)
    x = torch.tensor([[0.3, -0.2], [1.0, 0.4]], dtype=torch.float64, requires_grad=True)
    theta = layer.theta.detach().clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x, th: kt._Equilibrium.apply(x, th, layer),
                                    (x, theta), eps=1e-7, atol=1e-8, rtol=1e-4)


def test_ep_backward_approaches_the_exact_one():
    exact = kt.ResistiveNetwork("4-5-3", seed=3, input_gain=2)
    ep = kt.ResistiveNetwork("4-5-3", estimator="centered", beta=1e-3, seed=3, input_gain=2)
    holo = kt.ResistiveNetwork("4-5-3", estimator="holo", beta=1e-2, seed=3, input_gain=2)
    x = torch.randn(5, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    grads = []
    for layer in (exact, ep, holo):
        interior(layer, seed=4)
        layer(x).pow(2).sum().backward()
        grads.append(layer.theta.grad.clone())
    scale = grads[0].norm()
    assert (grads[1] - grads[0]).norm() / scale < 1e-5
    assert (grads[2] - grads[0]).norm() / scale < 1e-7  # O(beta^4): 1.2e-8 here


def test_composes_with_torch_layers_and_trains_end_to_end():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.uniform(-1, 1, (64, 2)))
    y = torch.from_numpy((x[:, 0] * x[:, 1] > 0).numpy().astype(np.int64))
    circuit = kt.ResistiveNetwork("2-8-4", seed=1, input_gain=2, bias_voltage=0.1)
    readout = torch.nn.Linear(4, 2).double()
    model = torch.nn.Sequential(circuit, readout)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    theta0, w0 = circuit.theta.detach().clone(), readout.weight.detach().clone()
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        circuit.project()
        losses.append(loss.item())
    assert losses[-1] < 0.9 * losses[0]
    assert not torch.equal(theta0, circuit.theta.detach())
    assert not torch.equal(w0, readout.weight.detach())
    gmin, _ = circuit.model.bounds
    assert circuit.theta[circuit._conductance].min().item() >= gmin


def test_project_clamps_conductances_only():
    layer = kt.ResistiveNetwork("2-3-2", seed=1, gmin=1e-6, gmax=0.5)
    with torch.no_grad():
        layer.theta.fill_(-1.0)
    layer.project()
    g = layer.theta[layer._conductance]
    assert torch.all(g == 1e-6)
    assert torch.all(layer.theta[~layer._conductance] == -1.0)  # bias currents are free


def test_model_vjp_matches_finite_differences_of_a_projection():
    m = kirchhoff.Model(SHOCKLEY)
    x = np.array([[0.4, -0.3]])
    c = np.array([[0.7, -1.1]])
    _, g, gx = m.vjp(x, c, inputs=True)
    theta = m.params
    fd = np.empty_like(theta)
    for i in range(len(theta)):
        h = 1e-6 * abs(theta[i]) + 1e-12
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        m.params = up
        f_up = (m.predict(x) @ c.T).item()
        m.params = down
        fd[i] = (f_up - (m.predict(x) @ c.T).item()) / (2 * h)
    m.params = theta
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-12 * np.abs(g).max())
    fx = np.empty(2)
    for i in range(2):
        up, down = x.copy(), x.copy()
        up[0, i] += 1e-6
        down[0, i] -= 1e-6
        fx[i] = ((m.predict(up) - m.predict(down)) @ c.T).item() / 2e-6
    np.testing.assert_allclose(gx[0], fx, rtol=1e-6)
    with pytest.raises(kirchhoff.UsageError, match="unknown estimator"):
        m.vjp(x, c, estimator="magic")


@pytest.mark.parametrize("estimator,tol,order", [("exact", 1e-7, "net"), ("centered", 1e-6, "net"),
                                                 ("centered", 1e-6, "shuffled")])
def test_layered_backend_agrees_with_the_native_one(estimator, tol, order):
    """The same network and batch on both backends: outputs to the layered tolerance, the
    parameters' gradients to its order. In `kirchhoff net`'s order each matrix's parameters are
    consecutive (the layered backend reads them without a slot each); shuffled, they are not."""
    kw = dict(estimator=estimator, beta=0.01)
    text = kirchhoff.net("6-8-3", seed=2, input_gain=2, bias_voltage=0.1)
    if order == "shuffled":
        text = text.replace(".train r1_* r2_* i*", ".train r2_1_* i* r1_3_* r1_* r2_*")
        assert ".train r2_1_*" in text
    native = kt.ResistiveNetwork(netlist=text, **kw)
    layered = kt.ResistiveNetwork(netlist=text, backend="layered", **kw)
    x = torch.randn(5, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    a, b = native(x), layered(x)
    assert (a - b).abs().max().item() < 1e-8
    a.pow(2).sum().backward()
    b.pow(2).sum().backward()
    assert ((a.new_tensor(0) + (native.theta.grad - layered.theta.grad).norm())
            / native.theta.grad.norm()).item() < tol
    with pytest.raises(kirchhoff.UsageError, match="no inputs' gradient"):
        layered(x.clone().requires_grad_(True)).sum().backward()
    with pytest.raises(kirchhoff.UsageError, match="takes 64"):
        layered(torch.zeros(65, 6, dtype=torch.float64))


def test_layered_backward_from_its_own_forward_state():
    """The backward pass starts from the state its forward pass left only when the handle still
    holds it: another batch solved in between, or the parameters moved, and it solves again. The
    gradients are the same bits either way, and with two threads as with one."""
    kw = dict(estimator="centered", beta=0.05, seed=3, input_gain=2, bias_voltage=0.1,
              backend="layered", precision="single", sweeps=6)
    gen = torch.Generator().manual_seed(4)
    x, other = (torch.rand(7, 6, dtype=torch.float64, generator=gen) for _ in range(2))
    with torch.no_grad():
        other_out = kt.ResistiveNetwork("6-8-3", **kw)(other)
    grads = []
    for threads, interleave in ((1, False), (1, True), (2, False), (2, True)):
        layer = kt.ResistiveNetwork("6-8-3", threads=threads, **kw)
        out = layer(x)
        if interleave:  # the handle's rows now hold another batch
            with torch.no_grad():
                assert torch.equal(layer(other), other_out)
        out.pow(2).sum().backward()
        grads.append(layer.theta.grad.clone())
    for g in grads[1:]:
        assert torch.equal(g, grads[0])
    assert grads[0].abs().sum().item() > 0
    assert not torch.equal(other_out, out.detach())
    with torch.no_grad():  # new parameters, the same batch: solved again
        before = layer(x)
        layer.theta.mul_(1.5)
        assert not torch.equal(layer(x), before)
