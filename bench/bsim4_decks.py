#!/usr/bin/python3
"""kirchhoff op against ngspice 39 on random BSIM4 4.8 (LEVEL 14 and 54) decks.

Usage: bench/bsim4_decks.py FIRST LAST [--kirchhoff PATH] [--keep DIR] [--v5 | --v7]
       [--body | --scalable-body] [--lod] [--wpe] [--rdsmod] [--rgeo] [--rgate]

Each seed makes one deck: an NMOS or a PMOS card (VERSION 4.8, 4.8.x or none) with TOXE, VTH0
and each of some 150 DC parameters with probability 0.4 at a random value in a published-like
range (threshold, subthreshold, mobility, saturation, output resistance, pocket implant,
temperature, junctions with trap-assisted tunnelling, GIDL and GISL, substrate current, poly
depletion, velocity overshoot, the source-end velocity limit; on a third of the cards the gate
tunnelling currents, IGCMOD 0 to 2 and IGBMOD 0 or 1, maybe through RGATEMOD=1's resistance), the selectors MOBMOD (0 to 6),
DIOMOD, TEMPMOD, GIDLMOD, GEOMOD and PERMOD at random, binned terms at BINUNIT 0, 1 or 2; one
instance with a resistive drain (and maybe source, and a drain-to-gate resistor), NF, AD AS
PD PS, DELVTO, MULU0, MIN, RSH with NRD and NRS, at -40 to 125 C. Each goes through
`kirchhoff op --compare` and is classified as bench/bsim3_decks.py does (matching, loose,
stalled, refused, other). Exit status 1 if any deck is `other`. With --v5 each card is made a
BSIM4v5 one (VERSION 4.0 to 4.5: ngspice 39's model of its own, MOBMOD and TEMPMOD 0 to 2,
without the words it does not know), from the same draws; with --v7 a BSIM4v7 one (VERSION 4.7:
MOBMOD 0 to 3, without GIDLCLAMP and IDOVVDS); with --body each has RBODYMOD=1 (on
the card or the instance) and body resistances from 0.3 mohm to 1 kohm, some on the instance
(with --scalable-body RBODYMOD=2 and its scalable resistances and exponents instead);
with --lod the stress effect (SA, SB, maybe SD, on the instance; KU0 ... WLODVTH on the card);
with --wpe the well proximity effect (WPEMOD=1; SC, or SCA, SCB, SCC, on the instance); with
--rdsmod RDSMOD=1's bias-dependent source and drain resistances (RSW, RDW, RSWMIN, RDWMIN, PRWG,
PRWB, WR, NGATE, RSH with NRS and NRD or one of them, m=); with --rgeo RGEOMOD=1's resistances
from the layout (RSH, DMCG, DMCI, DMDG, GEOMOD 0 to 10, m=); with --rgate every card has a gate
tunnelling current through RGATEMOD 1, 2 or 3 (RSHG, XGW, NGCON, XRCRG1, XRCRG2).
"""
import argparse
import os
import random
import sys

from bsim3_decks import run_stream

def u(a,b): return random.uniform(a,b)
def lu(a,b): return 10**random.uniform(a,b)
# BSIM4 4.8's words that ngspice 39's BSIM4v5 (VERSION 4.0 to 4.5) does not know
NOT_V5 = {'ucs', 'dvtp2', 'dvtp3', 'dvtp4', 'dvtp5', 'tnfactor', 'teta0', 'kgidl', 'fgidl', 'rgidl',
          'agisl', 'bgisl', 'gidlmod'}


def as_v5(p, r):
    """The card made a BSIM4v5 one: a VERSION from 4.0 to 4.5, its MOBMOD and TEMPMOD (0 to 2),
    without the words it does not know."""
    p['version'] = r.choice(['4.0', '4.2', '4.3.0', '4.4', '4.5', '4.5.0', '"4.5"'])
    for k in NOT_V5:
        p.pop(k, None)
    if 'mobmod' in p:
        p['mobmod'] = r.randint(0, 2)
    if 'tempmod' in p:
        p['tempmod'] = min(p['tempmod'], 2)


def as_v7(p, r):
    """The card made a BSIM4v7 one: VERSION 4.7 as cards write it, MOBMOD 0 to 3 (ngspice 39's
    BSIM4v7 has no other), without the two words it does not know."""
    p['version'] = r.choice(['4.7', '4.7.0', '4.70', '"4.7"'])
    for k in ('gidlclamp', 'idovvds'):
        p.pop(k, None)
    if 'mobmod' in p:
        p['mobmod'] = r.randint(0, 3)


def with_body(p, r):
    """RBODYMOD=1 on the card (or on the instance) with body resistances from 1 mohm to 1 kohm,
    some on the instance: the instance's words."""
    words = ''
    if r.random() < 0.5:
        p['rbodymod'] = 1
    else:
        words += ' rbodymod=1'
    if r.random() < 0.5:
        p['gbmin'] = 10 ** r.uniform(-12, -9)
    for k in ['rbdb', 'rbsb', 'rbpb', 'rbps', 'rbpd']:
        if r.random() < 0.5:
            v = 10 ** r.uniform(-3.5, 3)
            if r.random() < 0.5:
                p[k] = v
            else:
                words += f' {k}={v:.4g}'
    return words


def with_scalable_body(p, r):
    """RBODYMOD=2 on the card (or on the instance) with its scalable resistances: each R0 (RBPS0,
    RBPD0, the x and y parts of RBPB, RBSB and RBDB) given with probability 0.6, from 1 mohm to
    1 kohm, each exponent of L, W and NF with probability 0.3 in [-0.5, 0.5] (so every bodymode
    comes up): the instance's words."""
    words = ''
    if r.random() < 0.5:
        p['rbodymod'] = 2
    else:
        words += ' rbodymod=2'
    if r.random() < 0.5:
        p['gbmin'] = 10 ** r.uniform(-12, -9)
    for k in ['rbps0', 'rbpd0', 'rbpbx0', 'rbpby0', 'rbsbx0', 'rbsby0', 'rbdbx0', 'rbdby0']:
        if r.random() < 0.6:
            p[k] = 10 ** r.uniform(-3, 3)
    for k in ['rbpsl', 'rbpsw', 'rbpsnf', 'rbpdl', 'rbpdw', 'rbpdnf', 'rbpbxl', 'rbpbxw', 'rbpbxnf',
              'rbpbyl', 'rbpbyw', 'rbpbynf', 'rbsdbxl', 'rbsdbxw', 'rbsdbxnf', 'rbsdbyl', 'rbsdbyw',
              'rbsdbynf']:
        if r.random() < 0.3:
            p[k] = r.uniform(-0.5, 0.5)
    return words


def with_stress(p, r, nf):
    """The stress effect: SA and SB (and SD, or 2 DMCG, between fingers) on the instance, KU0,
    KVSAT, KVTH0, STK2, STETA0 and some of their length and width terms on the card: the
    instance's words."""
    for k, (a, b) in {'ku0': (-5e-8, 5e-8), 'kvsat': (-1, 1), 'kvth0': (-1e-8, 1e-8),
                      'stk2': (-5e-9, 5e-9), 'steta0': (-5e-9, 5e-9), 'lodk2': (0.5, 1.5),
                      'lodeta0': (0.5, 1.5), 'saref': (0.3e-6, 2e-6), 'sbref': (0.3e-6, 2e-6),
                      'wlod': (0, 2e-7), 'tku0': (-3e-3, 3e-3), 'lku0': (-3e-7, 3e-7),
                      'wku0': (-3e-7, 3e-7), 'lkvth0': (-3e-7, 3e-7), 'wkvth0': (-3e-7, 3e-7),
                      'llodku0': (0.5, 1.5), 'wlodku0': (0.5, 1.5), 'llodvth': (0.5, 1.5),
                      'wlodvth': (0.5, 1.5)}.items():
        if r.random() < 0.5:
            p[k] = r.uniform(a, b)
    words = f' sa={r.uniform(0.1e-6, 3e-6):.4g} sb={r.uniform(0.1e-6, 3e-6):.4g}'
    if nf > 1 and r.random() < 0.5:
        words += f' sd={r.uniform(0.1e-6, 0.5e-6):.4g}'
    return words


def with_well(p, r):
    """WPEMOD=1 with WEB, WEC, KVTH0WE, K2WE, KU0WE on the card and SCA, SCB, SCC (some negative)
    or SC on the instance: the instance's words."""
    p['wpemod'] = 1
    for k, (a, b) in {'web': (0, 10), 'wec': (0, 5), 'kvth0we': (-5e-3, 5e-3),
                      'k2we': (-5e-3, 5e-3), 'ku0we': (-1e-2, 1e-2), 'scref': (0.5e-6, 2e-6)}.items():
        if r.random() < 0.6:
            p[k] = r.uniform(a, b)
    if r.random() < 0.5:
        return f' sc={r.uniform(0.2e-6, 3e-6):.4g}'
    return ''.join(f' {k}={r.uniform(-0.5, 5):.4g}' for k in ['sca', 'scb', 'scc']
                   if r.random() < 0.7)


def with_rdsmod(p, r):
    """RDSMOD=1: RSW and RDW from 10 ohm um to 3 kohm um (and their length and width terms),
    RSWMIN and RDWMIN, PRWG (sometimes negative: PARAMCHK's correction), PRWB, WR, NGATE (VFBSD),
    RSH with NRS and NRD or one of them, m= on the instance: the instance's words."""
    p['rdsmod'] = 1
    for k, (a, b) in {'rsw': (1, 3.5), 'rdw': (1, 3.5)}.items():
        if r.random() < 0.8:
            p[k] = 10 ** r.uniform(a, b)
    for k, (a, b) in {'rswmin': (0, 50), 'rdwmin': (0, 50), 'prwg': (-0.3, 2), 'prwb': (-0.3, 0.3),
                      'wr': (0.8, 1.1), 'ngate': (1e19, 5e20), 'lrsw': (-1e-7, 1e-7),
                      'wrdw': (-1e-7, 1e-7)}.items():
        if r.random() < 0.4:
            p[k] = r.uniform(a, b)
    words = ''
    if r.random() < 0.4:
        p['rsh'] = r.uniform(1, 50)
        words += r.choice([' nrs=1.5 nrd=2', ' nrs=3', ' nrd=0.5', ''])
    if r.random() < 0.3:
        words += f' m={r.choice([2, 3])}'
    return words


def with_rgeo(p, r):
    """RGEOMOD=1 (on the card or the instance) with RSH from 1 to 200 ohm, DMCG, DMCI, DMDG (and
    DMCGT), GEOMOD 0 to 10, NRS or NRD given on a third of the instances, m= 1 to 4: the
    instance's words."""
    p['rsh'] = 10 ** r.uniform(0, 2.3)
    for k in ['dmcg', 'dmci', 'dmdg']:
        if r.random() < 0.8:
            p[k] = r.uniform(5e-8, 4e-7)
    if r.random() < 0.2:
        p['dmcgt'] = r.uniform(0, 3e-8)
    p['geomod'] = r.randint(0, 10)
    words = ''
    if r.random() < 0.5:
        p['rgeomod'] = 1
    else:
        words += ' rgeomod=1'
    words += r.choice(['', '', '', ' nrs=1.5', ' nrd=0.7'])
    if r.random() < 0.6:
        words += f' m={r.choice([2, 3, 4, 2.5])}'
    return words


def with_rgate(p, r):
    """A gate tunnelling current through RGATEMOD 1, 2 or 3: RSHG from 1 to 1000 ohm, XGW, NGCON
    1 or 2, XRCRG1 and XRCRG2 from 1e-3 to 30 (their length terms too) on the card."""
    p['rgatemod'] = r.choice([1, 2, 3])
    p['rshg'] = 10 ** r.uniform(0, 3)
    for k, (a, b) in {'xrcrg1': (-3, 1.5), 'xrcrg2': (-3, 1.5)}.items():
        if r.random() < 0.8:
            p[k] = 10 ** r.uniform(a, b)
    if r.random() < 0.3:
        p['lxrcrg1'] = r.uniform(-1e-7, 1e-7)
    if r.random() < 0.4:
        p['xgw'] = r.uniform(0, 1e-6)
    if r.random() < 0.3:
        p['ngcon'] = 2


def deck(seed, v5=False, body=False, lod=False, wpe=False, v7=False, rdsmod=False, rgeo=False,
         rgate=False):
    random.seed(seed)
    t = random.choice(['nmos','pmos']); s = 1 if t=='nmos' else -1
    p = {}
    p['level'] = random.choice([14,54])
    if random.random()<0.5: p['version']=random.choice(['4.8','4.8.2','4.8.1','4.80'])
    p['toxe']=lu(-9.2,-8.3)
    if random.random()<0.5: p['toxp']=p['toxe']*u(0.7,1.0)
    if random.random()<0.3: p['toxm']=p['toxe']*u(0.9,1.1)
    if random.random()<0.3: p['dtox']=u(0,3e-10)
    p['vth0']=s*u(0.2,0.7)
    for k,(a,b) in {'k1':(0.2,0.8),'k2':(-0.05,0.05),'k3':(0,100),'k3b':(-5,5),'w0':(1e-7,3e-6),
        'dvt0':(0.5,5),'dvt1':(0.3,1),'dvt2':(-0.05,0),'dvt0w':(0,1),'dvt1w':(1e5,1e7),'dvt2w':(-0.05,0),
        'nfactor':(0.5,2.5),'cdsc':(0,5e-4),'cdscd':(0,1e-4),'cdscb':(-1e-4,1e-4),'cit':(0,1e-4),
        'eta0':(0,0.2),'etab':(-0.1,0),'dsub':(0.1,1),'u0':(0.01,0.06),'ua':(1e-10,3e-9),'ub':(1e-19,2e-18),
        'uc':(-1e-10,1e-10),'vsat':(5e4,2e5),'a0':(0.5,2),'ags':(0,1.5),'b0':(0,1e-7),'b1':(0,1e-6),'keta':(-0.1,0.05),
        'a1':(0,0.5),'a2':(0.3,1),'rdsw':(50,500),'prwg':(0,1),'prwb':(-0.1,0.1),'wr':(0.8,1),'voff':(-0.15,-0.05),
        'minv':(-0.5,0.5),'pclm':(0.5,2),'pdiblc1':(0,0.5),'pdiblc2':(0,0.02),'pdiblcb':(-0.1,0),'drout':(0.2,1),
        'pscbe1':(1e8,9e8),'pscbe2':(1e-6,1e-4),'pvag':(0,2),'delta':(0.005,0.03),'fprout':(0,300),'pdits':(0,0.5),
        'pditsd':(0,0.5),'pditsl':(0,1e6),'lpe0':(0,2e-7),'lpeb':(-1e-8,1e-8),'dvtp0':(0,2e-8),'dvtp1':(0,1),
        'dwg':(-1e-8,0),'dwb':(-1e-8,0),'xj':(2e-8,1.5e-7),'ndep':(1e17,5e18),'nsd':(1e19,1e20),'phin':(-0.1,0.1),
        'kt1':(-0.4,0),'kt2':(-0.05,0.05),'ute':(-2,-1),'ua1':(0,4e-9),'ub1':(-3e-18,0),'uc1':(-1e-10,0),'at':(1e4,5e4),
        'prt':(0,100),'alpha0':(0,1e-5),'alpha1':(0,1),'beta0':(5,30),'agidl':(0,1e-8),'bgidl':(1e9,3e9),'cgidl':(0.1,1),
        'egidl':(0.1,1),'rdswmin':(0,50),'ud':(0,1e14),'up':(0,0.1),'lp':(1e-8,1e-7),'eu':(1,2),'ucs':(1,2),
        'dvtp2':(0,0.1),'dvtp3':(0,1),'dvtp4':(0,1),'dvtp5':(0,0.05),'tvoff':(0,1e-3),'tnfactor':(0,1),'teta0':(0,1e-4),
        'ngate':(1e19,5e20),'lint':(0,2e-8),'wint':(0,2e-8),'xl':(-1e-8,1e-8),'xw':(-1e-8,1e-8),
        'jss':(1e-7,1e-5),'jsws':(1e-13,1e-11),'jswgs':(1e-13,1e-11),'njs':(0.9,1.2),'xtis':(2,4),'ijthsfwd':(0.01,0.1),
        'ijthsrev':(0.01,0.1),'bvs':(5,15),'xjbvs':(0.5,1.5),'jtss':(0,1e-6),'jtssws':(0,1e-11),'jtsswgs':(0,1e-11),
        'njts':(10,30),'vtss':(5,15),'xtss':(0,0.05),'tnjts':(0,0.1),'dmcg':(0,1e-7),'dmci':(0,1e-7),'dmdg':(0,1e-7),
        'lambda':(1e-11,1e-9),'vtl':(1e5,3e5),'lc':(0,1e-8),'xn':(3,5),'kgidl':(0,0.5),'fgidl':(0,0.5),'rgidl':(0.5,1.5),
        'agisl':(0,1e-8),'bgisl':(1e9,3e9)}.items():
        if random.random()<0.4: p[k]=u(a,b)
    if 'ngate' in p and random.random()<0.5: del p['ngate']
    if 'lambda' in p and random.random()<0.6: del p['lambda']
    if 'vtl' in p and random.random()<0.6: del p['vtl']
    for k in ['mobmod','diomod','tempmod','gidlmod','geomod','permod']:
        if random.random()<0.4:
            p[k]={'mobmod':random.randint(0,6),'diomod':random.randint(0,2),'tempmod':random.randint(0,3),
                  'gidlmod':random.randint(0,1),'geomod':random.randint(0,10),'permod':random.randint(0,1)}[k]
    tunnel = random.random() < 0.35 or rgate
    if tunnel:  # gate tunnelling at its defaults' scale by type, maybe through RGATEMOD=1
        p['igcmod'] = random.choice([0, 1, 2])
        p['igbmod'] = random.choice([0, 1])
        p['toxe'] = u(1.2e-9, 2.5e-9)
        p.pop('toxp', None), p.pop('toxm', None), p.pop('dtox', None)
        n = t == 'nmos'
        for k, v in {'aigc': 1.36e-2 if n else 9.8e-3, 'bigc': 1.71e-3 if n else 7.59e-4,
                     'cigc': 0.075 if n else 0.03, 'aigsd': 1.36e-2 if n else 9.8e-3,
                     'bigsd': 1.71e-3 if n else 7.59e-4, 'cigsd': 0.075 if n else 0.03,
                     'nigc': 1, 'poxedge': 1, 'pigcd': 1, 'ntox': 1, 'toxref': 3e-9,
                     'dlcig': 1e-8, 'aigbacc': 1.36e-2, 'aigbinv': 1.11e-2, 'nigbinv': 3,
                     'eigbinv': 1.1}.items():
            if random.random() < 0.4:
                p[k] = v * u(0.8, 1.2)
        if random.random() < 0.5:
            p['rgatemod'], p['rshg'] = 1, u(0.1, 50)
    if p.get('tempmod', 0) > 0:  # there AT and PRT are relative coefficients (1/K)
        p['at'], p['prt'] = u(0, 2e-3), u(0, 2e-3)
    for k in ['vth0','k1','u0','vsat','rdsw','voff','ua','eta0']:
        for pre in 'lwp':
            if random.random()<0.08: p[pre+k]=p.get(k,0.1)*u(-0.05,0.05)*1e-6
    if random.random()<0.3: p['binunit']=random.choice([0,1,2])
    if p.get('binunit') in (0,2):
        for k in list(p):
            if k[0] in 'lwp' and k[1:] in ('vth0','k1','u0','vsat','rdsw','voff','ua','eta0'):
                p[k]*= (1e-6 if k[0]!='p' else 1e-12)
    temp = random.choice([27,27,-40,85,125,0])
    L = lu(-7.5,-5); W = L*lu(0,1.5); nf=random.choice([1,1,1,2,3,4])
    inst=f"l={L:.4g} w={W:.4g}"
    if nf>1: inst+=f" nf={nf}"
    if random.random()<0.5: inst+=f" ad={W*2e-7:.4g} as={W*2e-7:.4g} pd={2*W+4e-7:.4g} ps={2*W+4e-7:.4g}"
    if random.random()<0.2: inst+=f" delvto={u(-0.05,0.05):.4g}"
    if random.random()<0.2: inst+=f" mulu0={u(0.8,1.2):.4g}"
    if random.random()<0.2: inst+=f" min=1"
    vdd = random.choice([0.5,1,1.2] if tunnel else [0.5,1,1.2,1.8,3.3,5])
    vb = random.choice([0,0,0,-0.3*vdd,0.2])
    rd=lu(2,5); rs=random.choice([0,0,lu(1,3)])
    if random.random()<0.2: p['rsh']=u(1,20); inst+=" nrd=2 nrs=1.5"
    if v5:
        as_v5(p, random.Random(seed + 1000000))
    if v7:
        as_v7(p, random.Random(seed + 5000000))
    if body == 2:
        inst += with_scalable_body(p, random.Random(seed + 6000000))
    elif body:
        inst += with_body(p, random.Random(seed + 2000000))
    if rdsmod:
        inst = inst.replace(" nrd=2 nrs=1.5", "") + with_rdsmod(p, random.Random(seed + 7000000))
    if rgate:
        with_rgate(p, random.Random(seed + 9000000))
    if rgeo:
        inst = inst.replace(" nrd=2 nrs=1.5", "") + with_rgeo(p, random.Random(seed + 8000000))
    if lod:
        inst += with_stress(p, random.Random(seed + 3000000), nf)
    if wpe:
        inst += with_well(p, random.Random(seed + 4000000))
    model=' '.join(f"{k}={v:.6g}" if not isinstance(v,str) else f"{k}={v}" for k,v in p.items())
    lines=[f"bsim4 random {seed}", f".model q1 {t} {model}"]
    if t=='nmos':
        lines += [f"vdd vdd 0 {vdd}", f"vg g 0 {u(0,vdd):.4g}", f"vb b 0 {vb:.4g}", f"rd vdd d {rd:.4g}",
                  (f"rs s 0 {rs:.4g}" if rs else "vs s 0 0"), f"m1 d g s b q1 {inst}"]
    else:
        lines += [f"vdd vdd 0 {vdd}", f"vg g 0 {u(0,vdd):.4g}", f"vb b 0 {vdd-vb:.4g}", f"rd d 0 {rd:.4g}",
                  (f"rs vdd s {rs:.4g}" if rs else "vs s vdd 0"), f"m1 d g s b q1 {inst}"]
    if random.random()<0.3: lines.append(f"rdg d g {lu(3,6):.4g}")
    lines += [f".temp {temp}", ".op", ".end"]
    return "\n".join(lines)+"\n"


def main():
    a = argparse.ArgumentParser()
    a.add_argument("first", type=int)
    a.add_argument("last", type=int)
    a.add_argument("--kirchhoff", default="build/release/cli/kirchhoff")
    a.add_argument("--keep")
    v = a.add_mutually_exclusive_group()
    v.add_argument("--v5", action="store_true")
    v.add_argument("--v7", action="store_true")
    a.add_argument("--body", action="store_const", const=1, default=0)
    a.add_argument("--scalable-body", dest="body", action="store_const", const=2)
    a.add_argument("--lod", action="store_true")
    a.add_argument("--wpe", action="store_true")
    a.add_argument("--rdsmod", action="store_true")
    a.add_argument("--rgeo", action="store_true")
    a.add_argument("--rgate", action="store_true")
    o = a.parse_args()
    o.kirchhoff = os.path.abspath(o.kirchhoff)
    def make(seed):
        return deck(seed, o.v5, o.body, o.lod, o.wpe, o.v7, o.rdsmod, o.rgeo, o.rgate)
    return run_stream(o, make)


if __name__ == "__main__":
    sys.exit(main())
