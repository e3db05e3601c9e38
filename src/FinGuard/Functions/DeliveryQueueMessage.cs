using System.Text.Json;

namespace FinGuard.Functions;

/// <summary>
/// Reads the delivery id out of a <c>deliveries</c> queue message: the id itself (<c>"3f2a…"</c>), or a JSON object
/// with <c>deliveryId</c>, as text or already parsed.
/// </summary>
public static class DeliveryQueueMessage
{
    private static readonly string[] IdProperties = ["deliveryId", "DeliveryId", "delivery_id", "id"];

    /// <summary>The message text as the queue trigger binds it (the host has already undone the base64 encoding).</summary>
    public static bool TryReadDeliveryId(string? message, out string deliveryId, out string problem)
    {
        if (message is null)
        {
            deliveryId = "";
            problem = "the message is empty.";
            return false;
        }

        return TryReadText(message, out deliveryId, out problem);
    }

    public static bool TryReadDeliveryId(JsonElement message, out string deliveryId, out string problem)
    {
        deliveryId = "";
        switch (message.ValueKind)
        {
            case JsonValueKind.String:
                return TryReadText(message.GetString()!, out deliveryId, out problem);
            case JsonValueKind.Object:
                foreach (var name in IdProperties)
                {
                    if (message.TryGetProperty(name, out var id) && id.ValueKind == JsonValueKind.String)
                    {
                        return Validate(id.GetString()!.Trim(), out deliveryId, out problem);
                    }
                }

                problem = $"the message is a JSON object without a string '{IdProperties[0]}'.";
                return false;
            default:
                problem = $"expected a delivery id string or an object with '{IdProperties[0]}', found {message.ValueKind.ToString().ToLowerInvariant()}.";
                return false;
        }
    }

    private static bool TryReadText(string message, out string deliveryId, out string problem)
    {
        var text = message.Trim();
        if (text.StartsWith('{') || text.StartsWith('"'))
        {
            try
            {
                using var inner = JsonDocument.Parse(text);
                return TryReadDeliveryId(inner.RootElement.Clone(), out deliveryId, out problem);
            }
            catch (JsonException ex)
            {
                deliveryId = "";
                problem = $"the message looks like JSON but is not: {ex.Message}";
                return false;
            }
        }

        return Validate(text, out deliveryId, out problem);
    }

    // The same rule as the webhook ingress applies to X-GitHub-Delivery.
    private static bool Validate(string candidate, out string deliveryId, out string problem)
    {
        deliveryId = "";
        if (candidate.Length is 0 or > 100 || !candidate.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            problem = "a delivery id is 1 to 100 letters, digits and dashes (a GUID).";
            return false;
        }

        deliveryId = candidate;
        problem = "";
        return true;
    }
}
