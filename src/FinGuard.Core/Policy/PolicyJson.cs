using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.Core.Policy;

/// <summary>Source-generated JSON for the resolved policy, as recorded in evidence.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FinGuardPolicy))]
public sealed partial class PolicyJsonContext : JsonSerializerContext
{
    public static JsonElement ToElement(FinGuardPolicy policy) => JsonSerializer.SerializeToElement(policy, Default.FinGuardPolicy);

    public static FinGuardPolicy FromElement(JsonElement element) =>
        element.Deserialize(Default.FinGuardPolicy) ?? throw new JsonException("A policy cannot be JSON null.");
}
