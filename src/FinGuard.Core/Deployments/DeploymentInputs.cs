using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.Core.Deployments;

/// <summary>
/// What a deployment decision took from FinGuard's own evidence rather than from GitHub: the pull request decisions
/// that can vouch for the deployed commit (with the pull request as each decision saw it: who wrote the change) and
/// the environment's previous approved deployment. A deployment record keeps them as the fact
/// <see cref="FactName"/>, so replaying the record needs nothing but the record.
/// </summary>
/// <param name="PullRequestDecisions">As in <see cref="DeploymentSnapshot.PullRequestDecisions"/>.</param>
/// <param name="PreviousApproved">As in <see cref="DeploymentSnapshot.PreviousApproved"/>.</param>
public sealed record DeploymentInputs(ImmutableArray<PullRequestDecisionFact> PullRequestDecisions, PreviousDeployment? PreviousApproved)
{
    /// <summary>The evidence fact holding these inputs.</summary>
    public const string FactName = "finguard.custody";

    /// <summary>The fact's <c>request</c>: where the inputs came from.</summary>
    public const string FactSource = "FinGuard evidence index: pull request decisions of the deployed commit and the environment's previous approved deployment";

    public JsonElement ToJson() => JsonSerializer.SerializeToElement(
        this with { PullRequestDecisions = [.. PullRequestDecisions.Select(d => d with { Change = d.Change is null ? null : d.Change with { Scans = null } })] },
        DeploymentInputsJsonContext.Default.DeploymentInputs);

    public static DeploymentInputs FromJson(JsonElement element) =>
        element.Deserialize(DeploymentInputsJsonContext.Default.DeploymentInputs)
        ?? throw new JsonException($"The {FactName} fact cannot be JSON null.");
}

/// <summary>Source-generated JSON for <see cref="DeploymentInputs"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DeploymentInputs))]
internal sealed partial class DeploymentInputsJsonContext : JsonSerializerContext;
