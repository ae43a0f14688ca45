using System.Diagnostics;

namespace Synthex.Dpdk.Interop;

/// <summary>The C type a generated declaration was ported from, as the DPDK headers spell it.</summary>
/// <remarks>ClangSharp's convention. Compiled away outside DEBUG: it documents, it does not marshal.</remarks>
[AttributeUsage(AttributeTargets.All, AllowMultiple = false, Inherited = true)]
[Conditional("DEBUG")]
internal sealed class NativeTypeNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
