using System.Globalization;

namespace Synthex.Dpdk.Runtime;

/// <summary>
/// One configuration key of <see cref="RunSettings"/>, written once: its name (the option, the
/// JSON key, the <c>SYNTHEX_</c> variable), its help, its type and allowed range, how a text value
/// from any source is parsed and set, and how the bound value is checked. The help text, the
/// binding of every source and <see cref="RunSettings.Validate"/> all read the same entry in
/// <see cref="RunSettings.Options"/>, so a range cannot disagree with itself.
/// </summary>
public abstract class RunOption(string name, string helpName, string description)
{
    /// <summary>The key as the option spells it (<c>stats-interval</c>); errors name it.</summary>
    public string Name { get; } = name;

    /// <summary>The value's placeholder in <c>--help</c> (<c>N</c>, <c>SECONDS</c>).</summary>
    public string HelpName { get; } = helpName;

    /// <summary>One line for <c>--help</c>: the description, then what is allowed and the default.</summary>
    public virtual string Help => description;

    /// <summary>Parses <paramref name="value"/> (which came <paramref name="source"/>, e.g. "from --burst") and sets it.</summary>
    /// <exception cref="ConfigurationException">The value is not of the key's type or outside its range.</exception>
    public abstract RunSettings Apply(RunSettings settings, string value, string source);

    /// <summary>Checks the bound value (however it was set) against the key's range.</summary>
    public virtual void Check(RunSettings settings) { }

    private protected static string Default<T>(Func<RunSettings, T> get) => Format(get(new RunSettings()));

    private protected static string Format<T>(T value) => value switch
    {
        double d => d.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        Enum e => e.ToString().ToLowerInvariant(),
        _ => value?.ToString() ?? "",
    };
}

/// <summary>An integer key with an inclusive range.</summary>
public sealed class IntOption(string name, string helpName, string description, int min, int max,
                              Func<RunSettings, int> get, Func<RunSettings, int, RunSettings> set)
    : RunOption(name, helpName, description)
{
    public int Min { get; } = min;
    public int Max { get; } = max;

    public override string Help => $"{base.Help}, {Min}..{Max} (default {Default(get)})";

    public override RunSettings Apply(RunSettings settings, string value, string source)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
            throw new ConfigurationException(Name, $"'{value}' ({source}) is not an integer; allowed {Min}..{Max}");
        if (n < Min || n > Max)
            throw new ConfigurationException(Name, $"{n} ({source}) is out of range; allowed {Min}..{Max}");
        return set(settings, n);
    }

    public override void Check(RunSettings settings)
    {
        int value = get(settings);
        if (value < Min || value > Max)
            throw new ConfigurationException(Name, $"{value} is out of range; allowed {Min}..{Max}");
    }
}

/// <summary>A number of seconds with an inclusive range.</summary>
public sealed class SecondsOption(string name, string description, double min, double max,
                                  Func<RunSettings, double> get, Func<RunSettings, double, RunSettings> set)
    : RunOption(name, "SECONDS", description)
{
    public double Min { get; } = min;
    public double Max { get; } = max;

    public override string Help => $"{base.Help}, {Format(Min)}..{Format(Max)} (default {Default(get)})";

    public override RunSettings Apply(RunSettings settings, string value, string source)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
            throw new ConfigurationException(Name, $"'{value}' ({source}) is not a number of seconds; allowed {Min}..{Max}");
        if (d < Min || d > Max)
            throw new ConfigurationException(Name, $"{value} ({source}) is out of range; allowed {Min}..{Max} seconds");
        return set(settings, d);
    }

    public override void Check(RunSettings settings)
    {
        double value = get(settings);
        if (!(value >= Min && value <= Max))
            throw new ConfigurationException(Name, $"{value.ToString(CultureInfo.InvariantCulture)} is out of range; allowed {Min}..{Max} seconds");
    }
}

/// <summary>A boolean key: true/false, 1/0, yes/no, on/off.</summary>
public sealed class BoolOption(string name, string description, Func<RunSettings, bool> get, Func<RunSettings, bool, RunSettings> set)
    : RunOption(name, "BOOL", description)
{
    public override string Help => $"{base.Help} (default {Default(get)})";

    public override RunSettings Apply(RunSettings settings, string value, string source)
        => set(settings, value.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            _ => throw new ConfigurationException(Name, $"'{value}' ({source}) is not a boolean; allowed true or false"),
        });
}

/// <summary>A key whose values are an enum's names, lower case.</summary>
public sealed class EnumOption<T>(string name, string helpName, string description, Func<RunSettings, T, RunSettings> set)
    : RunOption(name, helpName, description) where T : struct, Enum
{
    public override RunSettings Apply(RunSettings settings, string value, string source)
        => Enum.TryParse<T>(value, ignoreCase: true, out var e) && Enum.IsDefined(e) && !char.IsDigit(value[0])
            ? set(settings, e)
            : throw new ConfigurationException(Name, $"'{value}' ({source}) is not allowed; allowed: {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
}

/// <summary>A text key, checked as a whole by <see cref="RunSettings.Validate"/> (names, addresses, lists).</summary>
public sealed class TextOption(string name, string helpName, string description, Func<RunSettings, string, RunSettings> set)
    : RunOption(name, helpName, description)
{
    public override RunSettings Apply(RunSettings settings, string value, string source) => set(settings, value);
}
