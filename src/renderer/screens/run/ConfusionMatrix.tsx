

export function ConfusionMatrix({ matrix, labels }: { matrix: number[][]; labels: string[] }) {
  const max = Math.max(1, ...matrix.flat());
  return (
    <table className="table confusion" data-testid="confusion-matrix">
      <caption>Confusion matrix (rows: true label, columns: predicted)</caption>
      <thead>
        <tr>
          <th scope="col">true \ predicted</th>
          {labels.map((l) => (
            <th key={l} scope="col">
              {l}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, i) => (
          <tr key={i}>
            <th scope="row">{labels[i] ?? i}</th>
            {row.map((v, j) => (
              <td key={j} className={`num ${i === j ? 'diag' : 'off'}`} style={{ ['--heat' as string]: String(v / max) }} data-testid={`cm-${i}-${j}`}>
                {v}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
