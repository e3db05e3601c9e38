using System.Text.Json;

namespace FinGuard.Functions;

/// <summary>
/// Reads the delivery id out of a <c>deliveries</c> queue message as the Functions host passes it in
/// <c>Data.delivery</c>: the id itself (<c>"3f2a…"</c>), or a JSON object with <c>deliveryId</c>, either as a JSON
/// string or already parsed into an object.
/// </summary>
public static class DeliveryQueueMessage
{
    private static readonly string[] IdProperties = ["deliveryId", "DeliveryId", "delivery_id", "id"];

    public static bool TryReadDeliveryId(JsonElement message, out string deliveryId, out string problem)
    {
        deliveryId = "";
        switch (message.ValueKind)
        {
            case JsonValueKind.String:
                var text = message.GetString()!.Trim();
                if (text.StartsWith('{') || text.StartsWith('"'))
                {
                    try
                    {
                        using var inner = JsonDocument.Parse(text);
                        return TryReadDeliveryId(inner.RootElement.Clone(), out deliveryId, out problem);
                    }
                    catch (JsonException ex)
                    {
                        problem = $"the message looks like JSON but is not: {ex.Message}";
                        return false;
                    }
                }

                return Validate(text, out deliveryId, out problem);
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
