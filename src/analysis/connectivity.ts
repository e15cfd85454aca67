// The observation graph (Bai, Zhao & Zhang 2024): a bipartite graph with the
// m rows and n columns as nodes and one edge per observed entry. A pattern is
// connected when this graph is; connected patterns drive small-init flows to
// low rank, disconnected ones (at depth 2) to low nuclear norm.

export interface Connectivity {
  connected: boolean;
  /** Components of the whole graph (isolated rows and columns count). */
  components: number;
  /** Rows and columns with no observed entry. */
  isolatedRows: number[];
  isolatedColumns: number[];
  /** For each observed entry (in the problem's order), its component among those with edges, 0-based. */
  entryGroup: Int32Array;
  /** Number of components that hold observed entries. */
  groups: number;
}

export function observationGraph(m: number, n: number, rows: Int32Array, cols: Int32Array): Connectivity {
  const parent = new Int32Array(m + n);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) { parent[x] = parent[parent[x]]; x = parent[x]; }
    return x;
  };
  const degree = new Int32Array(m + n);
  for (let p = 0; p < rows.length; p++) {
    const a = find(rows[p]), b = find(m + cols[p]);
    if (a !== b) parent[a] = b;
    degree[rows[p]]++; degree[m + cols[p]]++;
  }
  const roots = new Set<number>();
  for (let x = 0; x < m + n; x++) roots.add(find(x));
  const label = new Map<number, number>();
  const entryGroup = new Int32Array(rows.length);
  for (let p = 0; p < rows.length; p++) {
    const r = find(rows[p]);
    if (!label.has(r)) label.set(r, label.size);
    entryGroup[p] = label.get(r) as number;
  }
  const isolatedRows: number[] = [], isolatedColumns: number[] = [];
  for (let i = 0; i < m; i++) if (degree[i] === 0) isolatedRows.push(i);
  for (let j = 0; j < n; j++) if (degree[m + j] === 0) isolatedColumns.push(j);
  return { connected: roots.size === 1, components: roots.size, isolatedRows, isolatedColumns, entryGroup, groups: label.size };
}
