using Google.Protobuf;

namespace HelmUnstick.Sandbox.Protobuf;

/// <summary>Writes one protobuf message field by field; nested messages are built in their own writer.</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream buffer = new();
    private readonly CodedOutputStream output;

    public ProtoWriter()
    {
        output = new CodedOutputStream(buffer, leaveOpen: true);
    }

    public void String(int field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    /// <summary>Writes a string even when empty: map entries and repeated strings keep empty values.</summary>
    public void StringAlways(int field, string value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    public void Bytes(int field, byte[] value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
    }

    public void Int64(int field, long value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
    }

    public void Bool(int field, bool value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteBool(value);
    }

    public void Message(int field, Action<ProtoWriter> writeFields)
    {
        var nested = new ProtoWriter();
        writeFields(nested);
        Bytes(field, nested.ToArray());
    }

    public byte[] ToArray()
    {
        output.Flush();
        return buffer.ToArray();
    }
}
