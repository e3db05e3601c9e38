using System.Collections.Immutable;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// The <c>signed-commits</c> section of a policy file (<see cref="SignedCommitsPolicy"/> once resolved).
/// Under an enforced organisation section a repository may only strengthen it: <c>enabled</c> stays on,
/// <c>allowed-kinds</c> and <c>allowed-signers</c> narrow (intersection), <c>allow-web-flow</c> may only become false.
/// </summary>
public sealed record SignedCommitsSection : PolicySection
{
    public const string Key = "signed-commits";

    public PolicySetting<bool>? Enabled { get; init; }

    public PolicySetting<ImmutableArray<SignatureKind>>? AllowedKinds { get; init; }

    public PolicySetting<bool>? AllowWebFlow { get; init; }

    public PolicySetting<ImmutableArray<string>>? AllowedSigners { get; init; }

    internal static SignedCommitsSection Read(PolicyMappingReader reader, PolicyFileKind kind) => new()
    {
        Line = reader.Line,
        Column = reader.Column,
        Enabled = reader.Boolean("enabled"),
        Enforced = ReadEnforced(reader, kind),
        AllowedKinds = reader.List<SignatureKind>(
            "allowed-kinds",
            PolicyValueSyntax.Kind,
            EqualityComparer<SignatureKind>.Default,
            whenEmpty: "cannot be empty: no commit could pass; to switch the control off write 'enabled: false'"),
        AllowWebFlow = reader.Boolean("allow-web-flow"),
        AllowedSigners = reader.List<string>("allowed-signers", PolicyValueSyntax.Login, PolicyValueSyntax.NameComparer),
    };

    internal static SignedCommitsPolicy Resolve(
        SignedCommitsPolicy defaults, SignedCommitsSection? organisation, SignedCommitsSection? repository, List<PolicyProblem> problems) =>
        EnforcedMerge.Resolve(Key, defaults, organisation, repository, problems, Apply, (policy, repository, merge) =>
            policy with
            {
                Enabled = merge.Flag("enabled", policy.Enabled, repository.Enabled, stronger: true),
                AllowedKinds = merge.Intersection(
                    "allowed-kinds", policy.AllowedKinds, repository.AllowedKinds, EqualityComparer<SignatureKind>.Default, PolicyValueSyntax.Name),
                AllowWebFlow = merge.Flag("allow-web-flow", policy.AllowWebFlow, repository.AllowWebFlow, stronger: false),
                AllowedSigners = merge.Restriction("allowed-signers", policy.AllowedSigners, repository.AllowedSigners, anyone: "signer"),
            });

    /// <summary>Every setting the section sets replaces the current value.</summary>
    private static SignedCommitsPolicy Apply(SignedCommitsPolicy policy, SignedCommitsSection? section) => section is null
        ? policy
        : policy with
        {
            Enabled = section.Enabled?.Value ?? policy.Enabled,
            AllowedKinds = section.AllowedKinds?.Value ?? policy.AllowedKinds,
            AllowWebFlow = section.AllowWebFlow?.Value ?? policy.AllowWebFlow,
            AllowedSigners = section.AllowedSigners?.Value ?? policy.AllowedSigners,
        };
}
