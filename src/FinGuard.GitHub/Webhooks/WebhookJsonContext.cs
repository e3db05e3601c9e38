using System.Text.Json.Serialization;

namespace FinGuard.GitHub.Webhooks;

/// <summary>
/// Source-generated JSON metadata for the webhook payloads: snake_case names, and nullable annotations are
/// enforced, so a <c>null</c> where the model says non-null is a parse error rather than a hidden null.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(PingPayload))]
[JsonSerializable(typeof(InstallationPayload))]
[JsonSerializable(typeof(InstallationRepositoriesPayload))]
[JsonSerializable(typeof(PullRequestPayload))]
[JsonSerializable(typeof(PullRequestReviewPayload))]
[JsonSerializable(typeof(CheckRunPayload))]
[JsonSerializable(typeof(CheckSuitePayload))]
[JsonSerializable(typeof(WorkflowRunPayload))]
[JsonSerializable(typeof(DeploymentProtectionRulePayload))]
[JsonSerializable(typeof(DeploymentReviewPayload))]
[JsonSerializable(typeof(MergeGroupPayload))]
[JsonSerializable(typeof(PushPayload))]
[JsonSerializable(typeof(DeploymentStatusPayload))]
public sealed partial class WebhookJsonContext : JsonSerializerContext
{
}
