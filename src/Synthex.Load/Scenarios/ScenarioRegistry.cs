namespace Synthex.Load.Scenarios;

/// <summary>Every scenario <c>synthex load --scenario</c> knows, by name.</summary>
public static class ScenarioRegistry
{
    public static IReadOnlyList<ScenarioDescriptor> All { get; } =
    [
        new ReflectScenarioDescriptor(),
        new ConsensusScenarioDescriptor(),
        new SimilarityScenarioDescriptor(),
    ];

    public static ScenarioDescriptor? Find(string name)
        => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
