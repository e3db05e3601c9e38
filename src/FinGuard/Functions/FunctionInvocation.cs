using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.Functions;

/// <summary>
/// The custom-handler request payload the Functions host posts to <c>/&lt;FunctionName&gt;</c> for a non-HTTP trigger:
/// <c>Data</c> is keyed by the trigger's binding name in function.json, <c>Metadata</c> holds the trigger metadata
/// (for a queue message: <c>Id</c>, <c>DequeueCount</c>, <c>InsertionTime</c>, ...; plus <c>sys</c>).
/// </summary>
public sealed class FunctionInvocation
{
    [JsonPropertyName("Data")]
    public Dictionary<string, JsonElement>? Data { get; init; }

    [JsonPropertyName("Metadata")]
    public Dictionary<string, JsonElement>? Metadata { get; init; }

    /// <summary>The value of <c>Metadata[name]</c> as text (numbers and strings), or null.</summary>
    public string? MetadataText(string name) =>
        Metadata is not null && Metadata.TryGetValue(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            }
            : null;
}

/// <summary>
/// The custom-handler response payload: <c>Outputs</c> keyed by output binding name (FinGuard's functions have none),
/// <c>Logs</c> shown in the invocation log (Application Insights in Azure), and <c>ReturnValue</c> for a <c>$return</c> binding.
/// </summary>
public sealed record FunctionInvocationResult(
    [property: JsonPropertyName("Outputs")] IReadOnlyDictionary<string, string> Outputs,
    [property: JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: JsonPropertyName("ReturnValue")] string? ReturnValue)
{
    public static FunctionInvocationResult FromLogs(params string[] logs) => new(new Dictionary<string, string>(), logs, null);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(FunctionInvocation))]
[JsonSerializable(typeof(FunctionInvocationResult))]
internal sealed partial class FunctionsJsonContext : JsonSerializerContext;
