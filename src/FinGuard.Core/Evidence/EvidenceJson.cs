using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.Core.Evidence;

/// <summary>Source-generated serializer for evidence records.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never, WriteIndented = false, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(EvidenceRecord))]
public sealed partial class EvidenceJsonContext : JsonSerializerContext;

/// <summary>Turns evidence records into their canonical bytes and back.</summary>
public static class EvidenceSerializer
{
    /// <summary>
    /// The exact bytes that are stored and hashed. The serialised record is only read to put it in canonical form,
    /// so it stays in pooled buffers (<c>SerializeToElement</c> would copy it into an array of its own, with its
    /// token table, for every decision).
    /// </summary>
    public static byte[] ToCanonicalBytes(EvidenceRecord record)
    {
        using var buffer = new PooledBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, record, EvidenceJsonContext.Default.EvidenceRecord);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return CanonicalJson.Canonicalize(document.RootElement);
    }

    /// <summary>
    /// Reads a record. Anything that is not a record — not JSON, a missing or null required field (the serializer
    /// respects the model's required members and nullable annotations), a null list item — is a
    /// <see cref="JsonException"/> naming what is wrong.
    /// </summary>
    public static EvidenceRecord FromBytes(ReadOnlySpan<byte> bytes)
    {
        var record = JsonSerializer.Deserialize(bytes, EvidenceJsonContext.Default.EvidenceRecord)
            ?? throw new JsonException("An evidence record cannot be JSON null.");
        NoNullItems(record.Facts, "facts");
        NoNullItems(record.Links, "links");
        NoNullItems(record.Policy.BlobShas, "policy.blobShas");
        NoNullItems(record.Result.Controls, "result.controls");
        foreach (var control in record.Result.Controls)
        {
            NoNullItems(control.Reasons, $"result.controls[{control.Id}].reasons");
            NoNullItems(control.Waivers, $"result.controls[{control.Id}].waivers");
            NoNullItems(control.Exception?.Bypassed, $"result.controls[{control.Id}].exception.bypassed");
        }

        return record;
    }

    private static void NoNullItems<T>(IReadOnlyList<T>? items, string path)
    {
        if (items is not null && items.Any(i => i is null))
        {
            throw new JsonException($"The record's '{path}' has a null item.");
        }
    }
}
