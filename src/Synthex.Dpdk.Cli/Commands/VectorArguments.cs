using System.CommandLine;
using System.Globalization;
using Synthex.Load;
using Synthex.Load.Scenarios;

namespace Synthex.Dpdk.Cli.Commands;

/// <summary>
/// The vector a one-shot verb sends (<c>synthex consensus</c>, <c>synthex query</c>): numbers on
/// the command line (<c>--values 1,2,3</c>) or one row of an .npy file (<c>--npy FILE --row I</c>).
/// </summary>
internal sealed class VectorArguments
{
    public Option<string> Values { get; } = new("--values") { Description = "the vector: comma-separated numbers (e.g. 0.5,-1,2e-3)", HelpName = "X,Y,..." };
    public Option<string> Npy { get; } = new("--npy") { Description = "the vector: a row of this .npy file (float32, N x D)", HelpName = "FILE" };
    public Option<int?> Row { get; } = new("--row") { Description = "with --npy: the row, 0-based (default 0)", HelpName = "I" };

    public void AddTo(Command command)
    {
        command.Options.Add(Values);
        command.Options.Add(Npy);
        command.Options.Add(Row);
    }

    /// <summary>The vector; throws <see cref="LoadConfigurationException"/> naming the bad option.</summary>
    public float[] Read(ParseResult parse)
    {
        string? values = parse.GetValue(Values), npy = parse.GetValue(Npy);
        int? row = parse.GetValue(Row);
        if ((values is null) == (npy is null)) throw new LoadConfigurationException("give exactly one of --values or --npy");
        if (values is not null)
        {
            if (row is not null) throw new LoadConfigurationException("--row: only with --npy");
            var parts = values.Split(',', StringSplitOptions.TrimEntries);
            var vector = new float[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out vector[i]) || !float.IsFinite(vector[i]))
                    throw new LoadConfigurationException($"--values: '{parts[i]}' (element {i}) is not a finite number");
            return vector;
        }
        var matrix = NpyMatrix.Load(npy!, "--npy");
        int r = row ?? 0;
        if (r < 0 || r >= matrix.Rows) throw new LoadConfigurationException($"--row: {r} is not in 0..{matrix.Rows - 1} ('{npy}' has {matrix.Rows} rows)");
        return matrix.Row(r).ToArray();
    }

    /// <summary>"n elements, norm x: [a, b, c, ...]" with the first <paramref name="show"/> elements.</summary>
    public static string Describe(ReadOnlySpan<float> v, int show)
    {
        double norm = 0;
        foreach (float x in v) norm += (double)x * x;
        var first = new List<string>();
        for (int i = 0; i < Math.Min(show, v.Length); i++) first.Add(v[i].ToString("G7", CultureInfo.InvariantCulture));
        string more = v.Length > show ? ", ..." : "";
        return string.Create(CultureInfo.InvariantCulture, $"{v.Length} element(s), norm {Math.Sqrt(norm):G7}: [{string.Join(", ", first)}{more}]");
    }
}
