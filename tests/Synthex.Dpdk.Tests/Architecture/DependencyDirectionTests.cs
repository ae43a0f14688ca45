using System.Reflection;
using NetArchTest.Rules;
using Synthex.Dpdk.Runtime;

namespace Synthex.Dpdk.Tests.Architecture;

/// <summary>
/// Pins the one direction the namespaces of Synthex.Dpdk depend on each other, read from the
/// compiled IL (signatures, fields, method bodies, attributes) by NetArchTest (Mono.Cecil):
/// <code>
///   CLI ──► Runtime ──► Pipeline ──► Endpoint ──► Apps ──► Packets ──► Synthex.Dpdk (errors, exit codes)
///   (injects  │ ▲           │                 ▲
///   backends) │ └─ Runtime.Dpdk, Fallback      Telemetry (counters, reports)
/// </code>
/// Runtime names no backend: the DPDK backend (Runtime.Dpdk) and the OS backends (Fallback)
/// depend on it and are handed to <see cref="BackendSelector.Open"/> by the command line. The
/// OS backends never touch DPDK's bindings, so they run where DPDK is not installed.
/// </summary>
public class DependencyDirectionTests
{
    private static readonly Assembly Appliance = typeof(RunSettings).Assembly;

    private const string Root = "Synthex.Dpdk", Packets = "Synthex.Dpdk.Packets", Apps = "Synthex.Dpdk.Apps",
        Telemetry = "Synthex.Dpdk.Telemetry", Endpoint = "Synthex.Dpdk.Endpoint", Pipeline = "Synthex.Dpdk.Pipeline", Runtime = "Synthex.Dpdk.Runtime",
        DpdkBackend = "Synthex.Dpdk.Runtime.Dpdk", OsBackends = "Synthex.Dpdk.Fallback", Bindings = "Synthex.Dpdk.Interop",
        Operations = "Synthex.Dpdk.Operations";

    /// <summary>Each namespace (exactly, or with its sub-namespaces) and what it must not use.</summary>
    public static TheoryData<string, string[]> Layers => new()
    {
        { $@"^{Esc(Root)}$", [Packets, Apps, Endpoint, Telemetry, Pipeline, Runtime, OsBackends] },
        { $@"^{Esc(Packets)}$", [Apps, Endpoint, Telemetry, Pipeline, Runtime, OsBackends] },
        { $@"^{Esc(Apps)}$", [Endpoint, Telemetry, Pipeline, Runtime, OsBackends] },
        { $@"^{Esc(Endpoint)}$", [Telemetry, Pipeline, Runtime, OsBackends] },
        { $@"^{Esc(Telemetry)}$", [Apps, Pipeline, Runtime, OsBackends] },
        { $@"^{Esc(Pipeline)}(\..*)?$", [Runtime, OsBackends] },
        { $@"^{Esc(Runtime)}$", [DpdkBackend, OsBackends] },
        { $@"^{Esc(DpdkBackend)}$", [OsBackends] },
        { $@"^{Esc(OsBackends)}(\..*)?$", [DpdkBackend, Bindings] },
        // The operator's side reads counters the runtime hands it; it never reaches into a backend or an app.
        { $@"^{Esc(Operations)}$", [Apps, Endpoint, Pipeline, Runtime, OsBackends, Bindings] },
    };

    [Theory, MemberData(nameof(Layers))]
    public void Namespace_does_not_use_a_layer_above_it(string @namespace, string[] forbidden)
    {
        var types = Types.InAssembly(Appliance).That().ResideInNamespaceMatching(@namespace);
        Assert.NotEmpty(types.GetTypes()); // a renamed namespace must not turn the rule into a no-op

        var result = types.Should().NotHaveDependencyOnAny(forbidden).GetResult();

        Assert.True(result.IsSuccessful,
            $"{@namespace} must not use {string.Join(", ", forbidden)}; these types do: " +
            string.Join(", ", result.FailingTypeNames ?? []));
    }

    /// <summary>The checker sees dependencies at all: the known downward ones are found.</summary>
    [Theory]
    [InlineData(Pipeline, Apps)]      // FrameWorker runs IFrameApp
    [InlineData(Pipeline, Endpoint)]  // FrameApps puts a datagram app behind the endpoint stage
    [InlineData(Endpoint, Apps)]      // the endpoint stage is an IFrameApp over an IDatagramApp
    [InlineData(Runtime, Telemetry)]  // RunHost builds the RunReport
    [InlineData(OsBackends, Runtime)] // OsBackend implements IBackend
    [InlineData(Runtime, Operations)] // RunHost opens the metrics endpoint and the control socket
    [InlineData(Operations, Telemetry)] // the meter reads StatsSnapshot
    public void Checker_sees_the_downward_dependencies(string from, string to)
    {
        var result = Types.InAssembly(Appliance).That().ResideInNamespaceMatching($@"^{Esc(from)}$")
            .Should().NotHaveDependencyOn(to).GetResult();
        Assert.False(result.IsSuccessful, $"expected {from} to use {to}: the checker would pass anything");
    }

    private static string Esc(string ns) => System.Text.RegularExpressions.Regex.Escape(ns);
}
