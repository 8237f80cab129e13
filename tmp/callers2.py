import json,sys,re,collections
p=json.load(open(sys.argv[1])); pat=sys.argv[2]
nodes={n['id']:n for n in p['nodes']}
parent={}
for n in p['nodes']:
    for c in n.get('children',[]): parent[c]=n['id']
cnt=collections.Counter()
for s,d in zip(p['samples'],p['timeDeltas']):
    x=s; chain=[]; hit=False
    while x is not None:
        cf=nodes[x]['callFrame']
        if re.search(pat, cf['functionName']+' '+cf['url']): hit=True
        if hit:
            u=cf['url']
            if 'temporalio' in u or '/work/main/' in u:
                chain.append((cf['functionName'] or 'anon')+'@'+u.split('/')[-1])
        x=parent.get(x)
    if hit: cnt[' <- '.join(chain[:int(sys.argv[3])])]+=d
for k,v in cnt.most_common(12): print('%6.0f'%(v/1000),k)
