-- User commands of kube-lsp; the work happens in lua/kube_lsp/init.lua, loaded on first use.
if vim.g.loaded_kube_lsp then
  return
end
vim.g.loaded_kube_lsp = true

require('kube_lsp').setup()
