using System.Buffers.Binary;
using System.Text;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// The header of a NumPy <c>.npy</c> file, parsed strictly for what the similarity service maps:
/// a 2-D little-endian float32 array in C order.
/// </summary>
/// <remarks>
/// <code>
/// offset 0  "\x93NUMPY"            6 bytes magic
///        6  major, minor           1.0: header length u16 LE at 8; 2.0 and 3.0: u32 LE at 8
///     10/12 {'descr': '&lt;f4', 'fortran_order': False, 'shape': (N, D), }   padded with spaces, ends '\n'
///  DataOffset  N·D float32, row-major
/// </code>
/// The dictionary is a Python literal; numpy writes exactly these three keys. Anything else (a
/// fourth key, another dtype or byte order, Fortran order, a shape that is not two positive
/// integers) is refused with the problem named: a silently misread matrix would answer every
/// query wrongly and look healthy.
/// </remarks>
public readonly record struct NpyHeader(long Rows, long Columns, long DataOffset)
{
    /// <summary>Bytes that always hold the whole header of a file this parser accepts (it refuses longer headers).</summary>
    public const int MaxHeaderBytes = 65536;

    /// <summary>Parses the header at the start of <paramref name="file"/>; null and <paramref name="problem"/> when it is not one this service reads.</summary>
    public static NpyHeader? TryParse(ReadOnlySpan<byte> file, out string problem)
    {
        problem = "";
        // 0x93 is not ASCII: compare bytes, not a UTF-8 rendering of the string literal.
        if (file.Length < 10 || file[0] != 0x93 || !file[1..6].SequenceEqual("NUMPY"u8))
            return Fail("not a .npy file (no \\x93NUMPY magic)", out problem);
        byte major = file[6], minor = file[7];
        int prefix;
        long headerLength;
        if (major == 1 && minor == 0) { prefix = 10; headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file[8..]); }
        else if (major is 2 or 3 && minor == 0)
        {
            if (file.Length < 12) return Fail("truncated header", out problem);
            prefix = 12; headerLength = BinaryPrimitives.ReadUInt32LittleEndian(file[8..]);
        }
        else return Fail($"unsupported .npy format version {major}.{minor} (1.0, 2.0 and 3.0 are read)", out problem);
        if (prefix + headerLength > MaxHeaderBytes) return Fail($"header of {headerLength} bytes is implausibly long", out problem);
        if (file.Length < prefix + headerLength) return Fail($"truncated header: {headerLength} bytes announced, {file.Length - prefix} present", out problem);
        string text = Encoding.ASCII.GetString(file.Slice(prefix, (int)headerLength));
        if (!text.EndsWith('\n')) return Fail("header does not end with a newline", out problem);

        var p = new Parser(text.TrimEnd('\n', ' '));
        string? descr = null; bool? fortran = null; long[]? shape = null;
        if (!p.Eat('{')) return Fail("header is not a Python dict literal", out problem);
        while (!p.Peek('}'))
        {
            string? key = p.String();
            if (key is null || !p.Eat(':')) return Fail($"header dict is malformed near offset {p.Position}: {text.Trim()}", out problem);
            switch (key)
            {
                case "descr" when descr is null: descr = p.String(); break;
                case "fortran_order" when fortran is null: fortran = p.Bool(); break;
                case "shape" when shape is null: shape = p.Tuple(); break;
                default: return Fail($"unexpected or repeated header key '{key}'", out problem);
            }
            if (!p.Eat(',') && !p.Peek('}')) return Fail($"header dict is malformed near offset {p.Position}: {text.Trim()}", out problem);
        }
        if (!p.Eat('}') || !p.AtEnd) return Fail($"trailing text after the header dict: {text.Trim()}", out problem);
        if (descr is null || fortran is null || shape is null) return Fail("header lacks one of 'descr', 'fortran_order', 'shape'", out problem);
        if (descr != "<f4") return Fail($"dtype '{descr}' is not little-endian float32 ('<f4'); convert with a.astype('<f4')", out problem);
        if (fortran.Value) return Fail("array is in Fortran order; write it in C order (np.ascontiguousarray)", out problem);
        if (shape.Length != 2) return Fail($"shape ({string.Join(", ", shape)}) is not 2-D (N rows × D columns)", out problem);
        if (shape[0] < 1 || shape[1] < 1) return Fail($"shape ({shape[0]}, {shape[1]}) has no rows or no columns", out problem);
        return new NpyHeader(shape[0], shape[1], prefix + headerLength);
    }

    private static NpyHeader? Fail(string why, out string problem)
    {
        problem = why;
        return null;
    }

    /// <summary>A tiny reader for the literals numpy writes: 'str', True/False, (int, int, ).</summary>
    private sealed class Parser(string text)
    {
        private int _i;
        public int Position => _i;
        public bool AtEnd { get { Skip(); return _i == text.Length; } }

        private void Skip() { while (_i < text.Length && text[_i] == ' ') _i++; }

        public bool Peek(char c) { Skip(); return _i < text.Length && text[_i] == c; }

        public bool Eat(char c)
        {
            if (!Peek(c)) return false;
            _i++;
            return true;
        }

        public string? String()
        {
            Skip();
            if (_i >= text.Length || text[_i] is not ('\'' or '"')) return null;
            char quote = text[_i];
            int end = text.IndexOf(quote, _i + 1);
            if (end < 0) return null;
            string s = text[(_i + 1)..end];
            _i = end + 1;
            return s;
        }

        public bool? Bool()
        {
            Skip();
            if (text.AsSpan(_i).StartsWith("True")) { _i += 4; return true; }
            if (text.AsSpan(_i).StartsWith("False")) { _i += 5; return false; }
            return null;
        }

        public long[]? Tuple()
        {
            if (!Eat('(')) return null;
            var items = new List<long>();
            while (!Peek(')'))
            {
                int start = _i;
                while (_i < text.Length && char.IsAsciiDigit(text[_i])) _i++;
                if (_i == start || !long.TryParse(text.AsSpan(start, _i - start), out long v)) return null;
                items.Add(v);
                if (!Eat(',') && !Peek(')')) return null;
            }
            _i++;
            return [.. items];
        }
    }
}
