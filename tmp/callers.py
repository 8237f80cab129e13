import json,sys,re,collections
p=json.load(open(sys.argv[1])); pat=sys.argv[2]
nodes={n['id']:n for n in p['nodes']}
parent={}
for n in p['nodes']:
    for c in n.get('children',[]): parent[c]=n['id']
def name(n):
    cf=n['callFrame']; return '%s %s:%d'%(cf['functionName'] or '(anon)', cf['url'].split('/work/main/')[-1][-60:], cf['lineNumber'])
cnt=collections.Counter()
for s,d in zip(p['samples'],p['timeDeltas']):
    n=nodes[s]
    if not re.search(pat,n['callFrame']['url']+' '+n['callFrame']['functionName']): continue
    chain=[]
    x=s
    while x in parent and len(chain)<40:
        x=parent[x]; nn=nodes[x]
        u=nn['callFrame']['url']
        if '/work/main/src' in u or '/work/main/bench' in u:
            chain.append(name(nn))
            if len(chain)>=int(sys.argv[3]) : break
    cnt[' <- '.join(chain)]+=d
for k,v in cnt.most_common(15): print('%6.0f'%(v/1000),k)
