using Google.Protobuf;

namespace HelmUnstick.Sandbox.Protobuf;

/// <summary>One field of a protobuf message as it appeared on the wire.</summary>
internal readonly record struct ProtoField(int Number, ulong Varint, byte[] Bytes)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Bytes);

    public long Int64 => unchecked((long)Varint);

    public bool Bool => Varint != 0;
}

/// <summary>Reads a protobuf message into its fields, in wire order, without a schema.</summary>
internal static class ProtoReader
{
    public static List<ProtoField> ReadFields(byte[] message)
    {
        var fields = new List<ProtoField>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int number = WireFormat.GetTagFieldNumber(tag);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.Varint:
                    fields.Add(new ProtoField(number, input.ReadUInt64(), []));
                    break;
                case WireFormat.WireType.LengthDelimited:
                    fields.Add(new ProtoField(number, 0, input.ReadBytes().ToByteArray()));
                    break;
                default:
                    // Kubernetes types use no fixed-width fields; skipping keeps unknown ones harmless.
                    input.SkipLastField();
                    break;
            }
        }

        return fields;
    }
}
