"""kirchhoff.Trainer (the run API on numpy arrays) against the command line on the same data:
the same held-out split, scaling, network and seed must give the same run, number for number."""
import os
import subprocess

import numpy as np
import pytest

import kirchhoff

CLI = os.environ.get("KH_CLI")



def line_data(n=120, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 3))
    return x, (x[:, 0] + 0.5 * x[:, 1] - 0.2 * x[:, 2] > 0).astype(int)


@pytest.mark.skipif(not CLI, reason="KH_CLI (the kirchhoff tool) not given")
@pytest.mark.parametrize("estimator,noise", [("centered", 0), ("holo", 0), ("holo", 0.01)])
def test_arrays_train_as_the_command_trains_the_csv(tmp_path, estimator, noise):
    """The same run both ways, defaults included (holomorphic EP's: the circle at a quarter of
    the radius, the slit contour at rho = 0.5 with read noise; kh_train_options_holomorphic_
    defaults for both)"""
    x, y = line_data()
    csv = tmp_path / "line.csv"
    np.savetxt(csv, np.column_stack([x, y]), delimiter=",", fmt=["%.17g"] * 3 + ["%d"])
    cli_trace, py_trace = tmp_path / "cli.h5", tmp_path / "py.h5"
    subprocess.run([CLI, "train", "--data", str(csv), "--arch", "3-5-2", "--epochs", "3",
                    "--lr", "0.1", "--estimator", estimator, "--seed", "4", "--threads", "1",
                    "--quiet", "--trace", str(cli_trace), "--read-noise", str(noise)],
                   check=True, capture_output=True)
    t = kirchhoff.Trainer(x, y, arch="3-5-2", epochs=3, lr=0.1, estimator=estimator, seed=4,
                          threads=1, trace=py_trace, read_noise=noise)
    reports = t.run()
    assert [r["epoch"] for r in reports] == [1, 2, 3]
    a, b = kirchhoff.read_metrics(cli_trace), kirchhoff.read_metrics(py_trace)
    for key in ("train_loss", "train_error", "test_loss", "test_error", "beta"):
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert b["test_error"][-1] == reports[-1]["test_error"]
    if estimator == "holo":  # the nudge the defaults chose: rho 0.5, or relative (in siemens)
        assert (b["beta"][0] == 0.5) == (noise > 0)


def test_callback_stops_and_params_move():
    x, y = line_data()
    t = kirchhoff.Trainer(x, y, arch="3-4-2", epochs=10, lr=0.1, threads=1)
    before = t.params
    assert len(before) == len(t.param_names) and t.param_names[0].startswith("r")
    seen = t.run(callback=lambda r: r["epoch"] == 2)
    assert [r["epoch"] for r in seen] == [1, 2]
    assert not np.array_equal(before, t.params)


def test_given_test_arrays_are_the_test_set():
    x, y = line_data()
    t = kirchhoff.Trainer(x[:100], y[:100], x_test=x[100:], y_test=y[100:], arch="3-4-2",
                          lr=0.1, threads=1)
    (report,) = t.run()
    assert 0 <= report["test_error"] <= 1
    assert round(report["test_error"] * 20) == report["test_error"] * 20  # of 20 samples


def test_bad_arguments_raise_what_the_command_refuses():
    x, y = line_data()
    with pytest.raises(kirchhoff.UsageError, match="class labels"):
        kirchhoff.Trainer(x, y[:-1], arch="3-4-2")
    with pytest.raises(kirchhoff.UsageError, match="class labels"):
        kirchhoff.Trainer(x, -y, arch="3-4-2") if y.any() else None
    with pytest.raises(TypeError, match="unexpected option 'learnrate'"):
        kirchhoff.Trainer(x, y, arch="3-4-2", learnrate=1)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        kirchhoff.Trainer(x, y, arch="3-4-2", optimizer="lbfgs")
    with pytest.raises(kirchhoff.Error) as e:
        kirchhoff.Trainer(x, y, arch="5-4-2")  # 3 features for 5 inputs
    assert e.value.exit_code in (1, 2)
    with pytest.raises(kirchhoff.UsageError, match="unknown preset 'drn-9'"):
        kirchhoff.Trainer(x, y, preset="drn-9")


@pytest.mark.skipif(not CLI, reason="KH_CLI (the kirchhoff tool) not given")
def test_presets_train_as_the_commands_presets(tmp_path):
    """preset= is `kirchhoff train --preset` (both kh_run_preset): a DRN-XS epoch on 40 random
    28x28 'images' gives the same curves both ways (layered backend, pixels / 255)."""
    assert kirchhoff.PRESETS == ("drn-xs", "drn-1h", "drn-2h")
    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, (40, 784)).astype(float)
    y = rng.integers(0, 10, 40)
    csv = tmp_path / "pixels.csv"
    np.savetxt(csv, np.column_stack([x, y]), delimiter=",", fmt="%d")
    traces = tmp_path / "cli.h5", tmp_path / "py.h5"
    subprocess.run([CLI, "train", "--data", str(csv), "--preset", "drn-xs", "--epochs", "2",
                    "--threads", "1", "--quiet", "--trace", str(traces[0])], check=True,
                   capture_output=True)
    kirchhoff.Trainer(x, y, preset="drn-xs", epochs=2, threads=1, trace=traces[1]).run()
    a, b = (kirchhoff.read_metrics(t) for t in traces)
    for key in ("train_loss", "test_loss", "test_error", "beta"):
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_snapshots_hold_the_parameters_by_epoch(tmp_path):
    x, y = line_data()
    trace = tmp_path / "run.h5"
    t = kirchhoff.Trainer(x, y, arch="3-4-2", epochs=2, lr=0.1, threads=1, trace=trace)
    before = t.params
    t.run()
    first, last = kirchhoff.read_snapshot(trace, 0), kirchhoff.read_snapshot(trace)
    assert first["epoch"] == 0 and last["epoch"] == 2
    model = kirchhoff.Model(last["netlist"])
    g = np.concatenate([last["g"], last["i_bias"]])
    conductance = model.is_conductance
    np.testing.assert_array_equal(last["g"], t.params[conductance])
    np.testing.assert_array_equal(last["i_bias"], t.params[~conductance])
    np.testing.assert_array_equal(first["g"], before[conductance])
    assert len(g) == len(t.params)
    assert last["test_error"] == t.history[-1]["test_error"]
    with pytest.raises(kirchhoff.Error):
        kirchhoff.read_snapshot(tmp_path / "absent.h5")


@pytest.mark.skipif(not CLI, reason="KH_CLI (the kirchhoff tool) not given")
def test_export_writes_what_the_command_writes(tmp_path):
    x, y = line_data()
    trace = tmp_path / "run.h5"
    t = kirchhoff.Trainer(x, y, arch="3-4-2", epochs=2, lr=0.1, threads=1, trace=trace)
    t.run()
    mine, theirs = tmp_path / "py.cir", tmp_path / "cli.cir"
    kirchhoff.export(trace, mine)
    subprocess.run([CLI, "export", str(trace), "-o", str(theirs)], check=True, capture_output=True)
    assert mine.read_text() == theirs.read_text()
    # read back: the trained parameters (1/R written with 17 digits)
    np.testing.assert_allclose(kirchhoff.Model(mine).params, t.params, rtol=1e-15)
    with pytest.raises(kirchhoff.UsageError, match="force=True"):
        kirchhoff.export(trace, mine)
    with pytest.raises(kirchhoff.UsageError, match="is the trace"):
        kirchhoff.export(trace, trace, force=True)
    with pytest.raises(TypeError, match="unexpected option 'bits'"):
        kirchhoff.export(trace, mine, force=True, bits=4)
    kirchhoff.export(trace, mine, epoch=0, force=True)  # before training
    m, first = kirchhoff.Model(mine), kirchhoff.read_snapshot(trace, 0)
    np.testing.assert_allclose(m.params[m.is_conductance], first["g"], rtol=1e-15)
    np.testing.assert_array_equal(m.params[~m.is_conductance], first["i_bias"])


@pytest.mark.skipif(not CLI, reason="KH_CLI (the kirchhoff tool) not given")
def test_validate_reports_what_the_command_reports(tmp_path):
    x, y = line_data()
    trace, net_file = tmp_path / "run.h5", tmp_path / "trained.cir"
    kirchhoff.Trainer(x, y, arch="3-4-2", epochs=2, lr=0.1, threads=1, trace=trace).run()
    kirchhoff.export(trace, net_file)
    csv = tmp_path / "line.csv"
    np.savetxt(csv, np.column_stack([x, y]), delimiter=",", fmt=["%.17g"] * 3 + ["%d"])
    text = subprocess.run([CLI, "validate", str(net_file), "--data", str(csv), "--samples", "40"],
                          check=True, capture_output=True, text=True).stdout
    r = kirchhoff.validate(net_file, x, y, samples=40)
    assert r["samples"] == 40 and r == kirchhoff.validate(net_file, data=csv, samples=40)
    assert f"class agreement: {100 * r['agreement']:.2f} %" in text
    assert f"ngspice accuracy: {100 * r['ngspice_accuracy']:.2f} %" in text
    assert f"kirchhoff accuracy: {100 * r['kirchhoff_accuracy']:.2f} %" in text
    # ngspice runs the ideal clamps as a steep Shockley diode (about 1 mV at mA, docs/export.md)
    assert f"largest output difference: {r['largest_difference']:.3g} V" in text
    assert r["largest_difference"] < 5e-3 and r["agreement"] == 1.0
    with pytest.raises(kirchhoff.InputError, match="features"):
        kirchhoff.validate(net_file, x[:, :2], y)
