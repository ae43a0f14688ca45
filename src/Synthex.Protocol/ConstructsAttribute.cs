namespace Synthex.Protocol;

/// <summary>Marks the codec method that writes an answer with the given status; a test checks that
/// every <see cref="Status"/> has one and a line in docs/PROTOCOL.md.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ConstructsAttribute(Status status) : Attribute
{
    /// <summary>The status the method writes.</summary>
    public Status Status { get; } = status;
}
