using FinGuard.Core.Controls;

namespace FinGuard.Core.Tests.Controls;

public sealed class BranchPatternTests
{
    [Theory]
    [InlineData("main", "main", "main", true)]
    [InlineData("main", "Main", "main", false)]
    [InlineData("main", "main-old", "main", false)]
    [InlineData("release/*", "release/1.2", "main", true)]
    [InlineData("release/*", "release/", "main", true)]
    [InlineData("release/*", "release/1.2/hotfix", "main", false)]
    [InlineData("release/*", "release", "main", false)]
    [InlineData("release/**", "release/1.2/hotfix", "main", true)]
    [InlineData("release/**", "release/1.2", "main", true)]
    [InlineData("release/**", "releases/1.2", "main", false)]
    [InlineData("**/hotfix", "release/1.2/hotfix", "main", true)]
    [InlineData("**/hotfix", "hotfix", "main", false)]
    [InlineData("**", "any/thing/at/all", "main", true)]
    [InlineData("*", "main", "main", true)]
    [InlineData("*", "feature/x", "main", false)]
    [InlineData("rel-*-lts", "rel-2026-lts", "main", true)]
    [InlineData("rel-*-lts", "rel-2026/x-lts", "main", false)]
    [InlineData("rel-***", "rel-a/b", "main", true)]
    [InlineData("v?", "v1", "main", false)]
    [InlineData("v?", "v?", "main", true)]
    [InlineData("$default", "main", "main", true)]
    [InlineData("$default", "trunk", "main", false)]
    [InlineData("$default", "main", null, false)]
    [InlineData("$default", "$default", null, false)]
    public void Matches_exact_names_globs_and_the_default_branch(string pattern, string branch, string? defaultBranch, bool expected)
    {
        Assert.Equal(expected, BranchPattern.IsMatch(pattern, branch, defaultBranch));
    }

    [Fact]
    public void Matches_any_of_several_patterns()
    {
        Assert.True(BranchPattern.MatchesAny(["$default", "release/*"], "release/2", "main"));
        Assert.False(BranchPattern.MatchesAny([], "main", "main"));
    }

    [Fact]
    public void A_long_pathological_pattern_is_answered_quickly()
    {
        var pattern = string.Concat(Enumerable.Repeat("*a", 200)) + "b";
        var branch = new string('a', 250);

        Assert.False(BranchPattern.IsMatch(pattern, branch, null));
    }
}
