using Google.Protobuf;

namespace HelmUnstick.Sandbox.Protobuf;

/// <summary>Writes one protobuf message field by field; nested messages are built in their own writer.</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();
    private readonly CodedOutputStream _output;

    public ProtoWriter()
    {
        _output = new CodedOutputStream(_buffer, leaveOpen: true);
    }

    public void String(int field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteString(value);
    }

    /// <summary>Writes a string even when empty: map entries and repeated strings keep empty values.</summary>
    public void StringAlways(int field, string value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteString(value);
    }

    public void Bytes(int field, byte[] value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteBytes(ByteString.CopyFrom(value));
    }

    public void Int64(int field, long value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteInt64(value);
    }

    public void Bool(int field, bool value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteBool(value);
    }

    public void Message(int field, Action<ProtoWriter> writeFields)
    {
        var nested = new ProtoWriter();
        writeFields(nested);
        Bytes(field, nested.ToArray());
    }

    public byte[] ToArray()
    {
        _output.Flush();
        return _buffer.ToArray();
    }
}
