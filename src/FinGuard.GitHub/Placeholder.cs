namespace FinGuard.GitHub; internal static class Placeholder { }
