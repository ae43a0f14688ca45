using System.Numerics;
using Synthex.Protocol;

namespace Synthex.Protocol.Fuzz;

/// <summary>
/// The codec's fuzz target: any bytes are read as a request and as an answer. The codec must not
/// throw; a valid message must re-encode byte for byte (through <see cref="Codec.Write"/> and
/// through its kind's own writer) and read back to the same header; a refused request must get
/// a status answer no larger than itself that a client reads back with the same status and
/// field. Any breach throws <see cref="InconsistencyException"/>, which AFL++ records as a crash.
/// </summary>
public static class FuzzTarget
{
    [ThreadStatic] private static byte[]? t_scratch;

    /// <summary>Runs one input.</summary>
    public static void Run(ReadOnlySpan<byte> data)
    {
        var scratch = t_scratch ??= new byte[Wire.MaxDatagram + Wire.MacSize];
        var v = Codec.ReadRequest(data, out var request);
        if (v.IsValid)
            CheckReencoding(data, request, scratch, isRequest: true);
        else if (v.IsRefused)
            CheckRefusal(data, request.Header, v, scratch);
        else if (v.Drop is not (Drop.TooShort or Drop.BadMagic or Drop.NotARequest))
            throw new InconsistencyException($"request dropped as {v.Drop}, which only answers are");

        var a = Codec.ReadAnswer(data, out var answer);
        if (a.IsRefused)
            throw new InconsistencyException("an answer was refused rather than dropped");
        if (a.IsValid)
            CheckReencoding(data, answer, scratch, isRequest: false);
        if (v.IsValid && a.IsValid)
            throw new InconsistencyException("one datagram read as both request and answer");
    }

    private static void CheckReencoding(ReadOnlySpan<byte> data, in Message m, byte[] scratch, bool isRequest)
    {
        // An UNSUPPORTED_VERSION answer of another version: only bytes 0..7 are read.
        if (m.Header.Version != Wire.Version)
            return;
        var dst = scratch.AsSpan();
        int n = Codec.Write(dst, m);
        if (n != data.Length || !dst[..n].SequenceEqual(data))
            throw new InconsistencyException("Codec.Write does not reproduce the message");
        n = WriteByKind(dst, m, isRequest);
        if (n != 0 && (n != data.Length || !dst[..n].SequenceEqual(data)))
            throw new InconsistencyException($"the {m.Header.Operation} writer does not reproduce the message");
        var again = isRequest ? Codec.ReadRequest(dst[..data.Length], out var back) : Codec.ReadAnswer(dst[..data.Length], out back);
        if (!again.IsValid || back.Header != m.Header)
            throw new InconsistencyException("the re-encoded message does not read back the same");
    }

    /// <summary>The kind's own writer from the parsed fields (0 where the kind has none for
    /// this status: status answers are checked by <see cref="CheckRefusal"/>).</summary>
    private static int WriteByKind(Span<byte> dst, in Message m, bool isRequest)
    {
        var h = m.Header;
        int n = (h.Operation, h.Status) switch
        {
            (Operation.Contribute, _) when isRequest => Contribute.Write(dst, h, m.Values),
            (Operation.Query, _) when isRequest => Query.Write(dst, h, m.Values),
            (Operation.Project, _) when isRequest => Project.Write(dst, h, m.Values),
            (Operation.Result, Status.Ok) => WriteResult(dst, m, partial: false),
            (Operation.Result, Status.Partial) => WriteResult(dst, m, partial: true),
            (Operation.Matches, Status.Ok) => Matches.WriteOk(dst, h, h.Epoch, h.Tag, m.Matches),
            (Operation.Projected, Status.Ok) => Projected.WriteOk(dst, h, h.Epoch, h.Tag, m.Values),
            _ => 0,
        };
        if (n == 0 || !h.HasMac)
            return n;
        // Answers are written without the trailer; the service appends it (MacTrailer.Append).
        if (!isRequest)
            n = MacTrailer.Append(dst, n, out _);
        m.Mac.CopyTo(dst[(n - Wire.MacSize)..]);
        return n;
    }

    private static int WriteResult(Span<byte> dst, in Message m, bool partial)
    {
        var h = m.Header;
        var request = h with { Operation = Operation.Contribute, Status = Status.Ok, Count = 0, Weight = 0, Tag = 0 };
        m.Values.CopyTo(Result.Values(dst, request));
        return partial
            ? Result.WritePartial(dst, request, h.Epoch, h.Weight, h.Tag)
            : Result.WriteOk(dst, request, h.Epoch, h.Weight, h.Tag);
    }

    private static void CheckRefusal(ReadOnlySpan<byte> data, in Header request, Verdict v, byte[] scratch)
    {
        if (v.Answer is not (Status.BadRequest or Status.TooLarge or Status.UnsupportedVersion or Status.UnknownOperation))
            throw new InconsistencyException($"the codec refused with {v.Answer}, which only services send");
        if (v.Field == Field.None)
            throw new InconsistencyException($"{v} names no field");
        const uint epoch = 0x5EED0001;
        int n = StatusAnswer.Refuse(scratch, request, epoch, v);
        if (n != Wire.HeaderSize || n > data.Length)
            throw new InconsistencyException($"status answer of {n} bytes to a {data.Length}-byte request");
        var a = Codec.ReadAnswer(scratch.AsSpan(0, n), out var answer);
        var h = answer.Header;
        ushort detail = v.Answer is Status.BadRequest or Status.TooLarge ? (ushort)v.Field : (ushort)0;
        if (!a.IsValid || h.Status != v.Answer || h.Detail != detail || h.Epoch != epoch ||
            h.Job != request.Job || h.Round != request.Round || h.Session != request.Session ||
            (byte)h.Operation != Operations.AnswerTo((byte)request.Operation))
            throw new InconsistencyException($"the status answer to {v} does not read back ({a})");
    }
}

/// <summary>The codec broke one of its own rules.</summary>
public sealed class InconsistencyException(string message) : Exception(message);
