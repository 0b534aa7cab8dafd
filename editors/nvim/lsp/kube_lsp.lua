-- kube-lsp for Neovim >= 0.11: put this directory on 'runtimepath', then `vim.lsp.enable('kube_lsp')`.
-- Override any field with `vim.lsp.config('kube_lsp', { ... })` (tables are merged).

---@type vim.lsp.Config
return {
  cmd = { 'kube-lsp', 'serve' },
  filetypes = { 'yaml', 'yaml.kubernetes' },
  root_markers = { '.kube-lsp.yaml', 'kustomization.yaml', '.git' },
  -- A server that stops on its own gets an error message instead of a line in the LSP log.
  on_exit = function(code, signal)
    local ok, kube_lsp = pcall(require, 'kube_lsp')
    if ok then
      kube_lsp.on_exit(code, signal)
    end
  end,
  -- Sent to the server through workspace/configuration (section `kubeLsp`). Cluster settings belong here,
  -- in your own config: files in a repository can never choose the cluster.
  settings = {
    kubeLsp = {
      kubeVersion = '', -- e.g. '1.30'; empty: the newest bundled schemas (or the cluster's own)
      rules = vim.empty_dict(), -- e.g. { KL201 = 'warning', ['deprecated-api-version'] = 'off' }
      exclude = {}, -- glob patterns of files not to check
      cluster = vim.empty_dict(), -- { context = 'kind-dev', kubeconfig = '~/.kube/config', timeout = 30 }
    },
  },
}
