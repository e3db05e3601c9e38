using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.GitHub.Webhooks;

/// <summary>
/// Reads a GitHub timestamp that may be an ISO 8601 string (<c>"2019-05-15T15:20:38Z"</c>) or unix seconds
/// (<c>1557933638</c>, as in <c>repository.pushed_at</c> or some <c>installation</c> timestamps). Writes ISO 8601.
/// Anything else is a <see cref="JsonException"/>, which the parser reports as malformed JSON.
/// </summary>
public sealed class WebhookTimestampConverter : JsonConverter<DateTimeOffset?>
{
    // DateTimeOffset's range in unix seconds: 0001-01-01 .. 9999-12-31T23:59:59.
    private const long MinUnixSeconds = -62_135_596_800;
    private const long MaxUnixSeconds = 253_402_300_799;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String when reader.TryGetDateTimeOffset(out var parsed):
                return parsed;
            case JsonTokenType.String:
                throw new JsonException("The timestamp is not an ISO 8601 date-time.");
            case JsonTokenType.Number when reader.TryGetInt64(out var seconds) && seconds is >= MinUnixSeconds and <= MaxUnixSeconds:
                return DateTimeOffset.FromUnixTimeSeconds(seconds);
            case JsonTokenType.Number:
                throw new JsonException("The timestamp is not a whole number of unix seconds in range.");
            default:
                throw new JsonException($"A timestamp must be a string, a number or null, not {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } timestamp)
        {
            writer.WriteStringValue(timestamp);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
