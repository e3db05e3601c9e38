using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.Core.Evidence;

/// <summary>Source-generated serializer for evidence records.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never, WriteIndented = false)]
[JsonSerializable(typeof(EvidenceRecord))]
public sealed partial class EvidenceJsonContext : JsonSerializerContext;

/// <summary>Turns evidence records into their canonical bytes and back.</summary>
public static class EvidenceSerializer
{
    /// <summary>The exact bytes that are stored and hashed.</summary>
    public static byte[] ToCanonicalBytes(EvidenceRecord record)
    {
        var element = JsonSerializer.SerializeToElement(record, EvidenceJsonContext.Default.EvidenceRecord);
        return CanonicalJson.Canonicalize(element);
    }

    public static EvidenceRecord FromBytes(ReadOnlySpan<byte> bytes) =>
        JsonSerializer.Deserialize(bytes, EvidenceJsonContext.Default.EvidenceRecord)
        ?? throw new JsonException("An evidence record cannot be JSON null.");
}
