namespace Synthex.Protocol;

/// <summary>
/// How a vector of <c>length</c> elements is cut into chunks of <c>chunk</c> elements (the unit of
/// aggregation, like a SwitchML slot): chunk i covers elements [i·chunk, min(length, (i+1)·chunk)).
/// Messages carry the element offset (SwitchML's "tsi"); index and count follow from it.
/// </summary>
public static class Chunks
{
    /// <summary>Number of chunks in the vector.</summary>
    public static uint Count(uint length, ushort chunk) => chunk == 0 ? 0 : (uint)((length + (ulong)chunk - 1) / chunk);

    /// <summary>Index of the chunk that starts at <paramref name="offset"/>.</summary>
    public static uint Index(uint offset, ushort chunk) => chunk == 0 ? 0 : offset / chunk;

    /// <summary>Elements in the chunk at <paramref name="offset"/> (the last one may be short); 0 when out of range.</summary>
    public static int Elements(uint length, uint offset, ushort chunk) =>
        offset >= length ? 0 : (int)Math.Min(chunk, length - offset);
}
