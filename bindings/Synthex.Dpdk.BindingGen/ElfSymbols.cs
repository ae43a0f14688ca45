using System.Buffers.Binary;
using System.Text;

namespace Synthex.Dpdk.BindingGen;

/// <summary>
/// Reads the symbols a shared object exports (its .dynsym section), so every [LibraryImport]
/// names the library that really defines the function — the same answer as `nm -D --defined-only`.
/// </summary>
internal static class ElfSymbols
{
    private const uint SHT_DYNSYM = 11;
    private const int STB_GLOBAL = 1, STB_WEAK = 2;

    public static HashSet<string> Exported(string path)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2)
            throw new InvalidDataException($"{path}: not a 64-bit ELF file");

        var span = elf.AsSpan();
        var sectionTable = (int)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        var sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        var sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);

        var symbols = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sectionCount; i++)
        {
            var sh = span[(sectionTable + i * sectionSize)..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != SHT_DYNSYM)
                continue;
            var offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            var size = (int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x20..]);
            var link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            var entrySize = (int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x38..]);
            var strtab = span[(sectionTable + link * sectionSize)..];
            var strings = (int)BinaryPrimitives.ReadUInt64LittleEndian(strtab[0x18..]);

            for (var s = offset; s + entrySize <= offset + size; s += entrySize)
            {
                var sym = span[s..];
                var bind = sym[4] >> 4;
                var sectionIndex = BinaryPrimitives.ReadUInt16LittleEndian(sym[6..]);
                if (sectionIndex == 0 || (bind != STB_GLOBAL && bind != STB_WEAK))
                    continue; // undefined here (imported) or local
                var name = span[(strings + (int)BinaryPrimitives.ReadUInt32LittleEndian(sym))..];
                symbols.Add(Encoding.ASCII.GetString(name[..name.IndexOf((byte)0)]));
            }
        }
        return symbols;
    }
}
