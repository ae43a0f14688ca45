using System.Text;

namespace Synthex.Dpdk.BindingGen;

/// <summary>An indenting text builder with '\n' line ends, so output is identical on every host.</summary>
internal sealed class CodeWriter(string indentUnit = "    ")
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0)
            for (var i = 0; i < _depth; i++)
                _text.Append(indentUnit);
        _text.Append(line).Append('\n');
        return this;
    }

    /// <summary>A header line, then "{" and one more level of indent.</summary>
    public void Block(string header)
    {
        Line(header);
        Open("{");
    }

    /// <summary>A line that opens something (ends in "{" or "["), then one more level of indent.</summary>
    public void Open(string line)
    {
        Line(line);
        _depth++;
    }

    public void Close(string line = "}")
    {
        _depth--;
        Line(line);
    }

    public override string ToString() => _text.ToString();
}

/// <summary>Writes generated files, replacing a directory's previous output so deleted types vanish.</summary>
internal sealed class OutputDirectory
{
    private readonly string _path;
    private readonly SortedDictionary<string, string> _files = new(StringComparer.Ordinal);

    public OutputDirectory(string path) => _path = path;

    public void Add(string name, string content)
    {
        if (!_files.TryAdd(name, content))
            throw new InvalidOperationException($"{_path}/{name} generated twice");
    }

    /// <summary>Deletes files with <paramref name="extensions"/> this run did not produce, writes the rest when changed.</summary>
    public void Flush(params string[] extensions)
    {
        Directory.CreateDirectory(_path);
        foreach (var stale in Directory.EnumerateFiles(_path))
            if (extensions.Any(e => stale.EndsWith(e, StringComparison.Ordinal)) && !_files.ContainsKey(Path.GetFileName(stale)))
                File.Delete(stale);
        foreach (var (name, content) in _files)
        {
            var path = Path.Combine(_path, name);
            // Leave unchanged files alone: make and MSBuild then see nothing to rebuild.
            if (!File.Exists(path) || File.ReadAllText(path) != content)
                File.WriteAllText(path, content, new UTF8Encoding(false));
        }
    }
}
