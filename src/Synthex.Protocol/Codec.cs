using System.Buffers.Binary;

namespace Synthex.Protocol;

/// <summary>
/// The two entry points: a server reads requests, a client reads answers. Neither allocates nor
/// throws on any input; every rejection is a <see cref="Verdict"/> naming its status or drop and
/// the field. Fields are checked in header order and the first that fails is named.
/// </summary>
public static class Codec
{
    static Codec()
    {
        // The payload is read in place as f32 and (u32, f32) pairs: exact on little-endian hosts
        // only (every host .NET runs the appliance on). Fail at load rather than misread.
        if (!Wire.HostIsLittleEndian)
            Environment.FailFast("Synthex.Protocol reads payloads in place and needs a little-endian host");
    }

    /// <summary>
    /// Reads a request. Valid: <paramref name="message"/> holds it. Refused
    /// (<see cref="Verdict.IsRefused"/>): answer with <see cref="StatusAnswer.Refuse"/> using
    /// <c>message.Header</c>. Dropped: no answer; count <see cref="Verdict.Drop"/>.
    /// </summary>
    public static Verdict ReadRequest(ReadOnlySpan<byte> datagram, out Message message)
    {
        message = default;
        if (datagram.Length < Wire.HeaderSize)
            return Verdict.Dropped(Drop.TooShort);
        if (BinaryPrimitives.ReadUInt16LittleEndian(datagram) != Wire.Magic)
            return Verdict.Dropped(Drop.BadMagic);
        if (Operations.IsAnswer(datagram[3]))
            return Verdict.Dropped(Drop.NotARequest, Field.Operation);
        var h = Header.Read(datagram);
        message = new Message(h, default, default);
        if (h.Version != Wire.Version)
            return Verdict.Refused(Status.UnsupportedVersion, Field.Version);
        if (!Operations.IsKnownRequest((byte)h.Operation))
            return Verdict.Refused(Status.UnknownOperation, Field.Operation);
        if ((h.Flags & ~Flags.Mac) != 0)
            return Verdict.Refused(Status.BadRequest, Field.Flags);
        if (h.Status != Status.Ok)
            return Verdict.Refused(Status.BadRequest, Field.Status);
        if (h.Detail != 0)
            return Verdict.Refused(Status.BadRequest, Field.Detail);
        var v = h.Operation switch
        {
            Operation.Contribute => Contribute.Check(h),
            Operation.Query => Query.Check(h),
            _ => Project.Check(h),
        };
        if (!v.IsValid)
            return v;
        int payload = h.Operation == Operation.Contribute ? Contribute.PayloadBytes(h) : (int)h.Length * sizeof(float);
        if (!Frame(datagram, h, payload, out var p, out var mac))
            return Verdict.Refused(Status.BadRequest, Field.Payload);
        if (!Floats.AllFinite(p))
            return Verdict.Refused(Status.BadRequest, Field.Payload);
        message = new Message(h, p, mac);
        return Verdict.Valid;
    }

    /// <summary>
    /// Reads an answer. Valid: <paramref name="message"/> holds it (its status may be any; only
    /// OK and PARTIAL carry a payload). Otherwise dropped, with the field at fault.
    /// </summary>
    public static Verdict ReadAnswer(ReadOnlySpan<byte> datagram, out Message message)
    {
        message = default;
        if (datagram.Length < Wire.HeaderSize)
            return Verdict.Dropped(Drop.TooShort);
        if (BinaryPrimitives.ReadUInt16LittleEndian(datagram) != Wire.Magic)
            return Verdict.Dropped(Drop.BadMagic);
        if (!Operations.IsAnswer(datagram[3]))
            return Verdict.Dropped(Drop.NotAnAnswer, Field.Operation);
        var h = Header.Read(datagram);
        if (h.Version != Wire.Version)
        {
            // Bytes 0..7 mean the same in every version, so any client reads this one answer.
            if (h.Status != Status.UnsupportedVersion)
                return Verdict.Dropped(Drop.OtherVersion, Field.Version);
            message = new Message(h, default, default);
            return Verdict.Valid;
        }
        if (!Statuses.IsDefined((byte)h.Status))
            return Verdict.Dropped(Drop.Malformed, Field.Status);
        if ((h.Flags & ~Flags.Mac) != 0)
            return Verdict.Dropped(Drop.Malformed, Field.Flags);
        if (!StatusAnswer.DetailFits(h.Status, h.Detail))
            return Verdict.Dropped(Drop.Malformed, Field.Detail);
        int payload;
        if (!Statuses.CarriesPayload(h.Status))
        {
            // A server checks the version before the operation, so UNSUPPORTED_VERSION, like
            // UNKNOWN_OPERATION, may answer an operation no version defines.
            if (!Operations.IsKnownAnswer((byte)h.Operation) &&
                h.Status is not (Status.UnknownOperation or Status.UnsupportedVersion))
                return Verdict.Dropped(Drop.Malformed, Field.Operation);
            payload = 0;
        }
        else
        {
            var v = h.Operation switch
            {
                Operation.Result => Result.CheckAnswer(h),
                Operation.Matches => Matches.CheckAnswer(h),
                Operation.Projected => Projected.CheckAnswer(h),
                _ => Verdict.Dropped(Drop.Malformed, Field.Operation),
            };
            if (!v.IsValid)
                return v;
            payload = h.Operation switch
            {
                Operation.Result => Contribute.PayloadBytes(h),
                Operation.Matches => Matches.PayloadBytes(h),
                _ => Projected.PayloadBytes(h),
            };
        }
        if (!Frame(datagram, h, payload, out var p, out var mac))
            return Verdict.Dropped(Drop.Malformed, Field.Payload);
        message = new Message(h, p, mac);
        return Verdict.Valid;
    }

    /// <summary>Re-encodes a parsed message from its header, payload and trailer: for a valid
    /// message the result equals the datagram byte for byte (the fuzz target and the golden
    /// vectors check it). Returns the size, or 0 when it does not fit.</summary>
    public static int Write(Span<byte> dst, in Message message)
    {
        int n = Rules.Write(dst, message.Header, message.Payload);
        if (n != 0 && message.Mac.Length == Wire.MacSize)
            message.Mac.CopyTo(dst[(n - Wire.MacSize)..]);
        return n;
    }

    /// <summary>The datagram must be exactly header + payload (+ trailer): a shorter one is
    /// truncated, a longer one lies about its length.</summary>
    private static bool Frame(ReadOnlySpan<byte> datagram, scoped in Header h, int payload,
        out ReadOnlySpan<byte> p, out ReadOnlySpan<byte> mac)
    {
        int trailer = h.HasMac ? Wire.MacSize : 0;
        if (datagram.Length != Wire.HeaderSize + payload + trailer)
        {
            p = mac = default;
            return false;
        }
        p = datagram.Slice(Wire.HeaderSize, payload);
        mac = datagram.Slice(Wire.HeaderSize + payload, trailer);
        return true;
    }
}
