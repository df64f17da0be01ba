using HelmUnstick.Cli;

return await ConsoleHost.RunAsync(args, "helm-unstick", CliApp.BuildRoot);
