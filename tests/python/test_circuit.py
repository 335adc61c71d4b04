"""The Python package over the C library (docs/python.md): round trips against closed forms and
the command line's own output, error mapping, and no leaks (the library's count of live
allocations back where it was after each test)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import kirchhoff

CLI = os.environ.get("KH_CLI")
DIVIDER = "divider\nv1 in 0 2\nr1 in mid 1k\nr2 mid 0 3k\n"



def test_divider_matches_the_closed_form():
    c = kirchhoff.Circuit.from_netlist(DIVIDER)
    v = c.solve()
    assert list(v) == ["in", "mid"]
    assert v["in"] == 2.0
    assert v["mid"] == pytest.approx(2.0 * 3 / 4, rel=1e-15)
    assert c.stats["relative_residual"] < 1e-14


def test_setting_conductances_and_sources_changes_the_answer():
    c = kirchhoff.Circuit.from_netlist(DIVIDER)
    assert c.resistors == ["r1", "r2"] and c.sources == ["v1"]
    np.testing.assert_allclose(c.conductances, [1e-3, 1 / 3000], rtol=1e-15)
    c.conductances = [2e-3, 1e-3]
    c.source_values = [3.0]
    assert c.solve()["mid"] == pytest.approx(3.0 * 2 / 3, rel=1e-14)
    np.testing.assert_array_equal(c.source_values, [3.0])


def test_a_bad_value_changes_nothing_and_says_which():
    c = kirchhoff.Circuit.from_netlist(DIVIDER)
    with pytest.raises(kirchhoff.UsageError, match="conductance 1 is -1") as e:
        c.conductances = [5e-3, -1.0]
    assert e.value.exit_code == 1 and e.value.status == "KH_ERR_USAGE"
    np.testing.assert_allclose(c.conductances, [1e-3, 1 / 3000], rtol=1e-15)


def test_netlist_errors_carry_file_line_col_and_the_exit_code(tmp_path):
    deck = tmp_path / "bad.cir"
    deck.write_text("bad\nr1 a 0 1k\nr2 a 0 xyz\n")
    with pytest.raises(kirchhoff.InputError) as e:
        kirchhoff.Circuit.from_netlist(deck)
    assert str(e.value).startswith(f"{deck}:3:8: ")
    assert e.value.exit_code == 2 and isinstance(e.value, ValueError)
    with pytest.raises(kirchhoff.FileError) as missing:
        kirchhoff.Circuit.from_netlist(tmp_path / "absent.cir")
    assert missing.value.exit_code == 2 and isinstance(missing.value, OSError)


@pytest.mark.skipif(not CLI, reason="KH_CLI (the kirchhoff tool) not given")
def test_solve_equals_op_csv(tmp_path):
    """Same names, same order, same 17-digit values as `kirchhoff op --csv`, on a generated
    network with diodes (the co-content's projected Newton) and a subcircuit deck."""
    text = kirchhoff.net("6-5-3", seed=3, bias_voltage=0.1, input_gain=2)
    deck = tmp_path / "net.cir"
    deck.write_text(text)
    rows = subprocess.run([CLI, "op", "--csv", "--quiet", str(deck)], check=True,
                          capture_output=True, text=True).stdout.split()[1:]
    v = kirchhoff.Circuit.from_netlist(deck).solve()
    assert [r.split(",")[0] for r in rows] == list(v)
    for r in rows:
        name, value = r.split(",")
        assert float(value) == v[name], name


@pytest.mark.skipif(not CLI, reason="KH_CLI (the kirchhoff tool) not given")
def test_net_writes_what_the_command_writes():
    options = dict(seed=7, input_gain=3.0, gmin=1e-6, clamp_pairs=True, bias_voltage=0.2)
    mine = kirchhoff.net("4-3-2", amp_gain=[2.0], **options)
    flags = ["--seed", "7", "--input-gain", "3", "--gmin", "1e-6", "--clamp-pairs",
             "--bias-voltage", "0.2", "--amp-gain", "2"]
    theirs = subprocess.run([CLI, "net", "--arch", "4-3-2", *flags], check=True,
                            capture_output=True, text=True).stdout
    assert mine == theirs


@pytest.mark.skipif(not CLI, reason="KH_CLI (the kirchhoff tool) not given")
def test_a_large_net_in_memory_is_the_command_s_file(tmp_path):
    """A 20 MB netlist: the in-memory text (kh_netgen_string, a buffer that grows in place past
    the huge-page size) is the file the command writes, byte for byte"""
    path = tmp_path / "big.cir"
    subprocess.run([CLI, "net", "--arch", "784-300-10", "--seed", "2", "-o", str(path)],
                   check=True, capture_output=True)
    mine = kirchhoff.net("784-300-10", seed=2)
    assert len(mine) > 16 << 20
    assert mine == path.read_text()


def test_net_refuses_what_it_does_not_know():
    with pytest.raises(TypeError, match="unexpected option 'learning_rate'"):
        kirchhoff.net("4-2", learning_rate=1)
    with pytest.raises(kirchhoff.UsageError):
        kirchhoff.net("4")


def test_compare_agrees_with_ngspice():
    c = kirchhoff.Circuit.from_netlist(DIVIDER + ".model dd d(is=1e-14)\nd1 mid 0 dd\n")
    dv, node, native, ngspice = c.compare()
    assert dv < 1e-9 and set(native) == set(ngspice) == {"in", "mid"}
    assert 0.5 < native["mid"] < 0.8  # a forward-biased junction


def test_check_reading_runs_ngspice_on_the_file_itself(tmp_path):
    """ngspice's .op of the file (its own reading of an include, a subcircuit model's parameter
    and .temp beside .options temp=) against its .op of kirchhoff's reading: the same answer.
    Text has no file for ngspice, and a deck with .control blocks would run them: both refused;
    a file ngspice 39 stops at (a positional diode area, its model then dropped as unused) is
    refused when read (ngspice's own failure in check_reading: the test below)."""
    (tmp_path / "cell.inc").write_text(".subckt cell a b isat=1e-12\n.model dm d(is={isat})\n"
                                       "d1 a b dm\n.ends\n")
    deck = tmp_path / "deck.cir"
    deck.write_text("t\n.param isat=1e-14\n.include cell.inc\n.temp 60\n.options temp=0\n"
                    "v1 a 0 1\nr1 a b 1k\nx1 b 0 cell isat=1e-10\n")
    worst, node, answer = kirchhoff.Circuit.from_netlist(deck).check_reading()
    assert worst < 1e-9 and node in ("a", "b") and set(answer) == {"a", "b"}
    assert 0.2 < answer["b"] < 0.5  # IS 1e-10 at 60 C, not the global 1e-14 at 0 C
    with pytest.raises(kirchhoff.UsageError, match="parsed from text"):
        kirchhoff.Circuit.from_netlist(DIVIDER).check_reading()
    (tmp_path / "control.cir").write_text(DIVIDER + ".control\nop\n.endc\n")
    with pytest.raises(kirchhoff.UsageError, match=".control blocks"):
        kirchhoff.Circuit.from_netlist(tmp_path / "control.cir").check_reading()
    # a deck ngspice 39 stops at (its front end drops the diode's model as unused) is refused
    # when read, at its model (the C tests run check_reading's backend failures)
    (tmp_path / "area.cir").write_text("t\nv1 a 0 1\nr1 a b 1k\nd1 b 0 dm 2\n.model dm d\n")
    with pytest.raises(kirchhoff.InputError, match="area.cir:4:8: ngspice 39 would stop here"):
        kirchhoff.Circuit.from_netlist(tmp_path / "area.cir")


def test_controlled_sources_take_the_general_path():
    c = kirchhoff.Circuit.from_netlist("amp\nv1 in 0 1\nr1 in 0 1k\ne1 out 0 in 0 3\n"
                                       "r2 out 0 1k\n")
    assert c.solve()["out"] == pytest.approx(3.0, rel=1e-12)
    with pytest.raises(kirchhoff.UsageError, match="general path"):
        c.conductances


def test_behavioural_and_transistor_decks_take_the_general_path():
    """Element kinds past H (J M Q S W B) name their elements, and none is taken for a source
    (the kind letters stopped at H once, so a MOSFET's read past the table)."""
    c = kirchhoff.Circuit.from_netlist("b\nv1 a 0 2\nb1 0 o i=1m*v(a)*v(a)\nr1 o 0 1k\n"
                                       "q1 a o 0 qm\n.model qm npn\nm1 a o 0 0 mm\n"
                                       ".model mm nmos\n")
    assert c.elements == ["v1", "b1", "r1", "q1", "m1"]
    assert c.sources == ["v1"] and c.resistors == ["r1"]
    dv, node, native, ngspice = c.compare()
    assert dv < 1e-9, (node, native, ngspice)


def test_help_reads_well():
    assert "from_netlist" in kirchhoff.Circuit.__doc__ or kirchhoff.Circuit.from_netlist.__doc__
    assert "file:line:col" in kirchhoff.Circuit.from_netlist.__doc__
    assert kirchhoff.version().count(".") == 2


def test_ngspice_time_limit_stops_a_run_that_never_ends(tmp_path):
    """set_ngspice_time_limit: an ngspice run past it raises BackendError (a stand-in
    libngspice whose `op` never ends on a circuit titled "hang", tests/support/crashing_ngspice.c,
    loaded by KH_NGSPICE_LIBRARY in a fresh interpreter); a negative limit is a ValueError."""
    fake = os.environ.get("KH_CRASHING_NGSPICE")
    if not fake:
        pytest.skip("KH_CRASHING_NGSPICE not set (run by meson test)")
    script = (
        "import kirchhoff, time\n"
        "c = kirchhoff.Circuit.from_netlist('hang\\n.model nm nmos level=54\\n"
        "vdd d 0 1\\nr1 d x 1k\\nm1 x x 0 0 nm\\n')\n"
        "kirchhoff.set_ngspice_time_limit(1)\n"
        "t = time.monotonic()\n"
        "try:\n"
        "    c.solve('ngspice')\n"
        "except kirchhoff.BackendError as e:\n"
        "    print('stopped', round(time.monotonic() - t, 1), e)\n")
    env = dict(os.environ, KH_NGSPICE_LIBRARY=fake)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("stopped"), out.stdout + out.stderr
    assert "took longer than 1 s" in out.stdout
    assert float(out.stdout.split()[1]) < 10
    with pytest.raises(ValueError):
        kirchhoff.set_ngspice_time_limit(-1)


def test_check_reading_raises_ngspices_failure(tmp_path):
    """check_reading runs ngspice on the file in a child process: where that ngspice fails (a
    stand-in libngspice whose `source` crashes, as libngspice 39's does on some files after its
    own error; tests/support/crashing_ngspice.c, loaded by KH_NGSPICE_LIBRARY in a fresh
    interpreter), the call raises BackendError saying so, and the interpreter goes on."""
    fake = os.environ.get("KH_CRASHING_NGSPICE")
    if not fake:
        pytest.skip("KH_CRASHING_NGSPICE not set (run by meson test)")
    (tmp_path / "deck.cir").write_text(DIVIDER)
    script = (
        "import kirchhoff, sys\n"
        "c = kirchhoff.Circuit.from_netlist(sys.argv[1])\n"
        "try:\n"
        "    c.check_reading()\n"
        "except kirchhoff.BackendError as e:\n"
        "    print('raised', e)\n"
        "print('went on', c.solve()['mid'])\n")
    env = dict(os.environ, KH_NGSPICE_LIBRARY=fake)
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "deck.cir")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("raised") and "ngspice" in lines[0], out.stdout + out.stderr
    assert lines[1].startswith("went on"), out.stdout


def test_pspice_mode_reads_a_vendor_library(tmp_path):
    """compat="ps" reads the included library as ngspice's PSpice mode rewrites it (LIMIT, TC=a,b,
    a VSWITCH); ngspice's own mode refuses the same file at its first PSpice word."""
    (tmp_path / "vendor.lib").write_text(
        "* PSpice syntax\n.subckt lim in out\nG1 0 out VALUE={LIMIT(V(in)*2, -1m, 1m)}\n"
        "R1 out 0 1k TC=1m,2u\n.model sw VSWITCH(Ron=1 Roff=1e9 Von=0.6 Voff=0.4)\n"
        "S1 out 0 in 0 sw\n.ends\n")
    (tmp_path / "deck.cir").write_text("t\n.include vendor.lib\nv1 in 0 0.3\nx1 in out lim\n")
    c = kirchhoff.Circuit.from_netlist(tmp_path / "deck.cir", compat="ps")
    # 0.6 V limited to 1 mA into 1 kohm (27 C: TC adds nothing), the switch off (0.3 < Voff):
    # 1e9 ohm beside it
    assert c.solve()["out"] == pytest.approx(1e-3 / (1e-3 + 1e-9), rel=1e-12)
    with pytest.raises(kirchhoff.InputError, match="vendor.lib:3:"):
        kirchhoff.Circuit.from_netlist(tmp_path / "deck.cir")
    with pytest.raises(kirchhoff.UsageError, match="compat applies to a netlist file"):
        kirchhoff.Circuit.from_netlist("t\nv1 a 0 1\nr1 a 0 1k\n", compat="ps")
    with pytest.raises(kirchhoff.UsageError, match="one of 'ngspice', 'ps', 'lt'"):
        kirchhoff.Circuit.from_netlist(tmp_path / "deck.cir", compat="hs")


def test_ltspice_mode_reads_resistor_codes_powers_and_ideal_diodes(tmp_path):
    """compat="lta" reads an LTspice deck as ngspice's LTspice mode does: 4k7 is 4.7 kohm, a
    negative base to an integer power keeps its sign, the ideal diode conducts past Vfwd through
    Ron; ngspice's own mode refuses the resistor code."""
    (tmp_path / "deck.cir").write_text(
        "LTspice deck\nv1 in 0 2\nr1 in out 4k7\nr2 out 0 2r2\n"
        "b1 p 0 v=(-2)^3\nrp p 0 1k\n"
        "d1 in k ideal\nrk k 0 1k\n.model ideal d(ron=10 roff=1meg vfwd=0.5)\n.backanno\n")
    v = kirchhoff.Circuit.from_netlist(tmp_path / "deck.cir", compat="lta").solve()
    assert v["out"] == pytest.approx(2 * 2.2 / (4700 + 2.2), rel=1e-12)
    assert v["p"] == pytest.approx(-8, rel=1e-12)
    # on past Vfwd (cm_sidiode's line: i = Vfwd/Roff + (vd - Vfwd)/Ron), in series with 1 kohm:
    # i (1 + 1000/Ron) = Vfwd/Roff + (2 - Vfwd)/Ron
    assert v["k"] == pytest.approx(1000 * (0.5e-6 + 1.5 / 10) / 101, rel=1e-12)
    with pytest.raises(kirchhoff.InputError, match="deck.cir:3:13: resistor-code notation"):
        kirchhoff.Circuit.from_netlist(tmp_path / "deck.cir")
