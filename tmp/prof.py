import json,sys,re,collections
p=json.load(open(sys.argv[1]))
nodes={n['id']:n for n in p['nodes']}
def cat(n):
    cf=n['callFrame']; u=cf['url']; f=cf['functionName']
    if not u:
        return '(native) '+(f or '?')
    m=re.search(r'node_modules/((@[^/]+/)?[^/]+)',u)
    if m: return 'npm:'+m.group(1)
    m=re.search(r'/work/main/(src/[^/]+(/[^/]+)?)',u)
    if m: return m.group(1)
    m=re.search(r'/work/main/(bench/[^/]+)',u)
    if m: return m.group(1)
    if u.startswith('node:'): return u
    return u[-50:]
samples=p['samples']; deltas=p['timeDeltas']
t=0; times=[]
for d in deltas: t+=d; times.append(t)
T=times[-1]; W=int(sys.argv[2]) if len(sys.argv)>2 else 4
win=[collections.Counter() for _ in range(W)]
tot=collections.Counter()
for s,tm,d in zip(samples,times,deltas):
    c=cat(nodes[s]); w=min(W-1,int(tm*W/T))
    win[w][c]+=d; tot[c]+=d
print('total ms',T/1000)
print('%-45s'%'cat', *['w%d'%i for i in range(W)], 'total')
for c,v in tot.most_common(45):
    print('%-45s'%c[:45], *['%6.0f'%(win[i][c]/1000) for i in range(W)], '%7.0f'%(v/1000))
print()
busy=[sum(v for c,v in w.items() if c!='(native) (idle)')/1000 for w in win]
print('busy per window', ['%.0f'%b for b in busy])
a,b=int(sys.argv[3]),int(sys.argv[4])
diff=collections.Counter({c:(win[b][c]-win[a][c])/1000 for c in tot})
for c,v in diff.most_common(40): print('%-45s %7.0f'%(c[:45],v))
