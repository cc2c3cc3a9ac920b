#!/usr/bin/env python3
# variables-ref.py - the values of a variant, drawn as
# docs/scenario-format.md ("Seeds") describes, written from that text
# alone: SplitMix64 per variable, seeded with seed XOR FNV-1a-64(name).
# It prints the values test_variables.c pins for seeds 0, 7 and 2^32-1;
# if breakfix and this ever disagree, a seed no longer means the same.
#
# usage: tests/tools/variables-ref.py
M=(1<<64)-1
def fnv(s):
    h=0xcbf29ce484222325
    for b in s.encode(): h^=b; h=(h*0x100000001b3)&M
    return h
class R:
    def __init__(s,seed,name): s.st=(seed^fnv(name))&M
    def next(s):
        s.st=(s.st+0x9e3779b97f4a7c15)&M; z=s.st
        z=((z^(z>>30))*0xbf58476d1ce4e5b9)&M
        z=((z^(z>>27))*0x94d049bb133111eb)&M
        return z^(z>>31)
    def below(s,n):
        t=((1<<64)-n)%n
        while True:
            r=s.next()
            if r>=t: return r%n
def port(seed,name,lo,hi,ex):
    r=R(seed,name); allowed=[p for p in range(lo,hi+1) if p!=22 and p not in ex]
    return str(allowed[r.below(len(allowed))])
def pattern(seed,name,pat):
    r=R(seed,name); out=''
    for c in pat:
        if c=='#': out+='0123456789'[r.below(10)]
        elif c=='?': out+='abcdefghijklmnopqrstuvwxyz'[r.below(26)]
        else: out+=c
    return out
def choice(seed,name,l): return l[R(seed,name).below(len(l))]
def word(seed,name,n):
    r=R(seed,name); a='abcdefghijklmnopqrstuvwxyz0123456789'; return ''.join(a[r.below(36)] for _ in range(n))
def number(seed,name,lo,hi): return str(lo+R(seed,name).below(hi-lo+1))
for seed in (0,7,4294967295):
    print(seed, ' '.join([port(seed,'port',20000,20999,[20080]),pattern(seed,'who','svc-###'),choice(seed,'db',['orders','billing','ledger']),word(seed,'token',8),choice(seed,'dir',['/srv/data','/opt/app/data']),number(seed,'n',1,1000000)]))
