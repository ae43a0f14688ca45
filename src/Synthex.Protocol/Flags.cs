namespace Synthex.Protocol;

/// <summary>The flags byte (offset 4). Undefined bits must be zero (BAD_REQUEST naming flags),
/// so a later version can give them meaning without old servers misreading them.</summary>
[System.Flags]
public enum Flags : byte
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>A 16-byte message authentication code follows the payload (the hardening issue's
    /// per-job MAC over header and payload). Reserved in version 1: the codec frames it, the
    /// services verify it.</summary>
    Mac = 0x01,
}
