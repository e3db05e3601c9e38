using FinGuard.Core.Freeze;
using FinGuard.Core.Policy.Yaml;

namespace FinGuard.Core.Tests.Policy;

/// <summary>
/// Merging the organisation's and the repository's <c>freeze-window</c>: an enforced organisation section's windows
/// always apply and its break-glass cannot be loosened; otherwise the repository's settings replace the organisation's.
/// </summary>
public sealed class FreezeWindowResolverTests
{
    private const string OrgSection = """
        freeze-window:
          enforced: true
          windows:
            - name: Month-end close
              cron: {start: "0 18 L-1 * *", end: "0 9 2 * *"}
              time-zone: Europe/London
          break-glass:
            label: emergency-change
            approver-teams: [octo-org/cab, octo-org/sre-leads]
            max-duration: 4h
        """;

    private static PolicyDocument Document(string yaml, PolicyFileKind kind)
    {
        var result = PolicyFileParser.Parse("version: 1\n" + yaml.ReplaceLineEndings("\n"), kind);
        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        return result.Document;
    }

    private static (FreezeWindowPolicy Policy, List<string> Problems) Resolve(string organisation, string repository)
    {
        var resolution = PolicyResolver.Resolve(
            organisation.Length == 0 ? null : Document(organisation, PolicyFileKind.Organisation),
            repository.Length == 0 ? null : Document(repository, PolicyFileKind.Repository));
        return (resolution.Policy.FreezeWindow, resolution.Problems.Select(p => p.ToString()).ToList());
    }

    private static string Unenforced => OrgSection.Replace("  enforced: true\n", "", StringComparison.Ordinal);

    [Fact]
    public void An_enforced_section_applies_as_written_when_the_repository_says_nothing()
    {
        var (policy, problems) = Resolve(OrgSection, "");

        Assert.Empty(problems);
        Assert.Equal(["Month-end close"], policy.Windows.Select(w => w.Name));
        Assert.Equal("emergency-change", policy.BreakGlass!.Label);
    }

    [Fact]
    public void Under_an_enforced_section_a_repository_adds_windows_and_keeps_the_organisations()
    {
        var (policy, problems) = Resolve(OrgSection, """
            freeze-window:
              windows:
                - name: Ledger migration
                  from: 2026-12-01T00:00:00Z
                  to: 2026-12-03T00:00:00Z
            """);

        Assert.Empty(problems);
        Assert.Equal(["Month-end close", "Ledger migration"], policy.Windows.Select(w => w.Name));
    }

    [Fact]
    public void Under_an_enforced_section_an_empty_window_list_removes_nothing()
    {
        var (policy, _) = Resolve(OrgSection, "freeze-window:\n  windows: []\n");

        Assert.Equal(["Month-end close"], policy.Windows.Select(w => w.Name));
    }

    [Fact]
    public void Under_an_enforced_section_a_same_named_window_cannot_shorten_the_organisations()
    {
        var (policy, problems) = Resolve(OrgSection, """
            freeze-window:
              windows:
                - name: month-end close
                  cron: {start: "0 23 L * *", end: "0 1 1 * *"}
                  time-zone: Europe/London
            """);

        Assert.Equal(
            ["4:7: freeze-window.windows: 'month-end close' is a window of the organisation's enforced freeze-window; a repository cannot replace or shorten it, so both apply (give the repository's window another name)"],
            problems);
        Assert.Equal(["0 18 L-1 * *", "0 23 L * *"], policy.Windows.Select(w => w.Cron!.Start));
    }

    [Fact]
    public void Under_an_enforced_section_repeating_the_organisations_window_is_harmless()
    {
        var (policy, problems) = Resolve(OrgSection, """
            freeze-window:
              windows:
                - name: Month-end close
                  cron: {start: "0 18 L-1 * *", end: "0 9 2 * *"}
                  time-zone: Europe/London
            """);

        Assert.Empty(problems);
        Assert.Single(policy.Windows);
    }

    [Fact]
    public void Under_an_enforced_section_the_control_cannot_be_switched_off()
    {
        var (policy, problems) = Resolve(OrgSection, "freeze-window:\n  enabled: false\n");

        Assert.True(policy.Enabled);
        Assert.Equal(["3:3: freeze-window.enabled: false is weaker than the organisation's enforced true; using true"], problems);
    }

    [Fact]
    public void Under_an_enforced_section_break_glass_can_only_be_tightened()
    {
        var (policy, problems) = Resolve(OrgSection, """
            freeze-window:
              break-glass:
                label: emergency-change
                approver-teams: [octo-org/cab]
                max-duration: 1h
            """);

        Assert.Empty(problems);
        Assert.Equal<string>(["octo-org/cab"], policy.BreakGlass!.ApproverTeams);
        Assert.Equal(TimeSpan.FromHours(1), policy.BreakGlass.MaxDuration);
    }

    [Fact]
    public void Under_an_enforced_section_loosening_break_glass_is_reported_and_overruled()
    {
        var (policy, problems) = Resolve(OrgSection, """
            freeze-window:
              break-glass:
                label: urgent
                approver-teams: [octo-org/everyone]
                max-duration: 2d
            """);

        var breakGlass = policy.BreakGlass!;
        Assert.Equal("emergency-change", breakGlass.Label);
        Assert.Equal<string>(["octo-org/cab", "octo-org/sre-leads"], breakGlass.ApproverTeams);
        Assert.Equal(TimeSpan.FromHours(4), breakGlass.MaxDuration);
        Assert.Equal(
            [
                "4:5: freeze-window.break-glass.label: 'urgent' differs from the organisation's enforced 'emergency-change'; using 'emergency-change'",
                "5:5: freeze-window.break-glass.approver-teams: octo-org/everyone is not among the organisation's enforced [octo-org/cab, octo-org/sre-leads]; using [octo-org/cab, octo-org/sre-leads]",
                "6:5: freeze-window.break-glass.max-duration: 2d is weaker (longer) than the organisation's enforced 4h; using 4h",
            ],
            problems);
    }

    [Fact]
    public void Under_an_enforced_section_without_break_glass_a_repository_cannot_add_one()
    {
        var organisation = OrgSection[..OrgSection.IndexOf("  break-glass:", StringComparison.Ordinal)];
        var (policy, problems) = Resolve(organisation, "freeze-window:\n  break-glass:\n    label: hotfix\n    approver-teams: [octo-org/devs]\n");

        Assert.Null(policy.BreakGlass);
        Assert.Equal(["3:3: freeze-window.break-glass: the organisation's enforced freeze-window has no break-glass procedure, and a repository cannot add one; ignored"], problems);
    }

    [Fact]
    public void Without_enforcement_the_repositorys_settings_replace_the_organisations()
    {
        var (policy, problems) = Resolve(Unenforced, """
            freeze-window:
              windows:
                - name: Ledger migration
                  from: 2026-12-01T00:00:00Z
                  to: 2026-12-03T00:00:00Z
              break-glass:
                label: urgent
                approver-teams: [octo-org/devs]
                max-duration: 2d
            """);

        Assert.Empty(problems);
        Assert.Equal(["Ledger migration"], policy.Windows.Select(w => w.Name));
        Assert.Equal(("urgent", TimeSpan.FromDays(2)), (policy.BreakGlass!.Label, policy.BreakGlass.MaxDuration));

        var (off, _) = Resolve(Unenforced, "freeze-window:\n  enabled: false\n");
        Assert.False(off.Enabled);
        Assert.Single(off.Windows); // the organisation's windows stay, but the control is off
    }

    [Fact]
    public void A_repository_file_alone_sets_its_own_windows()
    {
        var (policy, problems) = Resolve("", FreezeWindowParserTests.Example.Replace("version: 1\n", "", StringComparison.Ordinal));

        Assert.Empty(problems);
        Assert.Equal(["Month-end close", "Christmas freeze", "Release day"], policy.Windows.Select(w => w.Name));
    }
}
