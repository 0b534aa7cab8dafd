--- kube-lsp commands for Neovim >= 0.11: server-side dry-run and diff against your cluster, context and
--- Kubernetes version pickers. The language server does the work (and never changes a cluster: every
--- request it sends carries dryRun=All); this module asks it and shows the answers.
local M = {}

local NAME = 'kube_lsp'
local SETUP_URL = 'https://github.com/kube-lsp/kube-lsp#set-up'
local levels = vim.log.levels

---@param msg string
---@param level? integer
local function notify(msg, level)
  vim.notify('kube-lsp: ' .. msg, level or levels.INFO)
end

---@return boolean
local function enabled()
  if vim.lsp.is_enabled then -- Neovim >= 0.12
    return vim.lsp.is_enabled(NAME)
  end
  return (vim.lsp._enabled_configs or {})[NAME] ~= nil
end

--- Why the server command cannot run, or nil when it can (or is a function, which Neovim calls as it is).
---@param cmd any the `cmd` of the config
---@return string?
function M.cmd_problem(cmd)
  if type(cmd) ~= 'table' or type(cmd[1]) ~= 'string' or vim.fn.executable(cmd[1]) == 1 then
    return nil
  end
  if cmd[1]:find('/', 1, true) then
    return ('`%s` is not an executable file'):format(cmd[1])
  end
  return ('`%s` not found on PATH'):format(cmd[1])
end

local reported = {} ---@type table<string, true>

--- Neovim does not start a config whose command is missing, and says so only in its log: say it where the
--- user looks, once per command.
---@param bufnr integer
function M.check_cmd(bufnr)
  if not enabled() or vim.bo[bufnr].buftype ~= '' then
    return
  end
  local config = vim.lsp.config[NAME]
  if not config or (config.filetypes and not vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype)) then
    return
  end
  local problem = M.cmd_problem(config.cmd)
  if problem and not reported[problem] then
    reported[problem] = true
    notify(('cannot start the language server: %s — install it (%s) or set cmd'):format(problem, SETUP_URL),
      levels.ERROR)
  end
end

--- The `on_exit` of the client config: a server that stops on its own (a non-zero exit code, or killed by a
--- signal other than the SIGTERM of a forced stop) is an error the user should see, not a line in the log.
---@param code integer
---@param signal integer
function M.on_exit(code, signal)
  if code == 0 and (signal == 0 or signal == 15) then
    return
  end
  local how = signal ~= 0 and ('killed by signal ' .. signal) or ('exit code ' .. code)
  local ok, log = pcall(function()
    return vim.lsp.log.get_filename()
  end)
  vim.schedule(function() -- on_exit runs in a libuv callback, where the UI cannot be used
    notify(('the language server stopped unexpectedly (%s); its output is in the LSP log%s. Reopen the file '
      .. '(:edit) to start it again.'):format(how, ok and (' (' .. log .. ')') or ''), levels.ERROR)
  end)
end

---@param bufnr integer
---@return vim.lsp.Client?
local function client_for(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = NAME })[1]
end

--- Run a server command for a buffer; `on_result` gets the result table (errors are notified here).
---@param bufnr integer
---@param command string
---@param arguments any[]
---@param on_result fun(result: table)
function M.execute(bufnr, command, arguments, on_result)
  local client = client_for(bufnr)
  if not client then
    notify('the language server is not attached to this buffer (is `kube-lsp` installed?)', levels.WARN)
    return
  end
  client:request('workspace/executeCommand', { command = command, arguments = arguments }, function(err, result)
    if err then
      notify(command .. ' failed: ' .. err.message, levels.ERROR)
    elseif type(result) == 'table' and result.error then
      if not result.cancelled then
        notify(tostring(result.error), levels.ERROR)
      end
    else
      on_result(type(result) == 'table' and result or {})
    end
  end, bufnr)
end

--- Show a unified diff in a read-only scratch buffer (filetype=diff) below the current window.
---@param text string
---@param title string
---@return integer bufnr
function M.show_diff(text, title)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(text, '\n', { trimempty = true }))
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  vim.bo[buf].filetype = 'diff'
  vim.bo[buf].modifiable = false
  pcall(vim.api.nvim_buf_set_name, buf, 'kube-lsp://diff/' .. title)
  vim.cmd('botright split')
  vim.api.nvim_win_set_buf(0, buf)
  local height = math.min(vim.api.nvim_buf_line_count(buf) + 1, math.floor(vim.o.lines * 0.6))
  vim.api.nvim_win_set_height(0, math.max(height, 5))
  return buf
end

---@param result table
local function summary(result)
  local docs, errors = result.documents or 0, result.errors or 0
  local where = result.context and (' on ' .. result.context) or ''
  return string.format('%d document%s%s, %d error%s', docs, docs == 1 and '' or 's', where, errors,
    errors == 1 and '' or 's')
end

--- Dry-run the buffer's documents (or one, by index) on the cluster; rejections become diagnostics.
---@param bufnr? integer
---@param index? integer 0-based document index; nil for every document
function M.dry_run(bufnr, index)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local args = { vim.uri_from_bufnr(bufnr), index }
  M.execute(bufnr, 'kube-lsp.dryRun', args, function(result)
    local rejected = (result.errors or 0) > 0
    notify('dry-run ' .. (rejected and 'rejected: ' or 'accepted: ') .. summary(result),
      rejected and levels.WARN or levels.INFO)
  end)
end

--- Diff the buffer's documents (or one) against the live cluster, in a scratch buffer.
---@param bufnr? integer
---@param index? integer
function M.diff(bufnr, index)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local args = { vim.uri_from_bufnr(bufnr), index }
  M.execute(bufnr, 'kube-lsp.diff', args, function(result)
    if (result.errors or 0) > 0 then
      notify('the cluster rejected the dry-run: ' .. summary(result) .. ' (see diagnostics)', levels.WARN)
    end
    if result.diff and result.diff ~= '' then
      M.show_diff(result.diff, vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t'))
    elseif (result.errors or 0) == 0 then
      notify('no differences: ' .. summary(result))
    end
  end)
end

--- The 0-based index of the YAML document under the cursor, asked of the server (it knows the documents).
---@param bufnr integer
---@param on_index fun(index: integer?)
local function document_at_cursor(bufnr, on_index)
  local client = client_for(bufnr)
  if not client then
    return on_index(nil)
  end
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = {}, only = { 'source' } }
  client:request('textDocument/codeAction', params, function(_, actions)
    for _, action in ipairs(actions or {}) do
      local cmd = action.command
      if type(cmd) == 'table' and cmd.command == 'kube-lsp.dryRun' then
        return on_index(cmd.arguments[2])
      end
    end
    on_index(nil)
  end, bufnr)
end

--- Record a choice in the client's settings too, so the server's next `workspace/configuration` pull
--- (after any settings change) keeps it instead of reverting to the configured value.
---@param bufnr integer
---@param path string[] keys below `kubeLsp`
---@param value any
local function remember(bufnr, path, value)
  local client = client_for(bufnr)
  if not client then
    return
  end
  client.settings = client.settings or {}
  local node = client.settings
  for _, key in ipairs({ 'kubeLsp', unpack(path, 1, #path - 1) }) do
    if type(node[key]) ~= 'table' then
      node[key] = {}
    end
    node = node[key]
  end
  node[path[#path]] = value
end

--- Pick a kubeconfig context (or set `name`); the server re-validates with that cluster's schemas.
---@param name? string
function M.select_context(name)
  local bufnr = vim.api.nvim_get_current_buf()
  local function choose(context)
    M.execute(bufnr, 'kube-lsp.selectContext', { context }, function(result)
      remember(bufnr, { 'cluster', 'context' }, result.context)
      notify('using context ' .. tostring(result.context))
    end)
  end
  if name and name ~= '' then
    return choose(name)
  end
  M.execute(bufnr, 'kube-lsp.selectContext', {}, function(result)
    vim.ui.select(result.contexts or {}, {
      prompt = 'Kubernetes context',
      format_item = function(item)
        return item == result.current and (item .. ' (current)') or item
      end,
    }, function(choice)
      if choice then
        choose(choice)
      end
    end)
  end)
end

--- Pick the Kubernetes version to validate against (or set `version`, e.g. '1.30').
---@param version? string
function M.select_version(version)
  local bufnr = vim.api.nvim_get_current_buf()
  local function choose(v)
    M.execute(bufnr, 'kube-lsp.setKubeVersion', { v }, function()
      remember(bufnr, { 'kubeVersion' }, v)
      notify('validating against Kubernetes ' .. v)
    end)
  end
  if version and version ~= '' then
    return choose(version)
  end
  M.execute(bufnr, 'kube-lsp.status', {}, function(status)
    local versions = vim.fn.reverse(vim.deepcopy(status.versions or {}))
    vim.ui.select(versions, { prompt = 'Kubernetes version (now ' .. tostring(status.kubeVersion) .. ')' },
      function(choice)
        if choice then
          choose(choice)
        end
      end)
  end)
end

---@param run fun(bufnr: integer, index: integer?)
local function ranged(run)
  return function(opts)
    local bufnr = vim.api.nvim_get_current_buf()
    if opts.range > 0 then -- `:.KubeDryRun`: only the document under the cursor
      document_at_cursor(bufnr, function(index)
        run(bufnr, index)
      end)
    else
      run(bufnr, nil)
    end
  end
end

--- Register the user commands, and client-side handlers so the server's code lenses and code actions
--- for dry-run and diff show their results (a notification, the diff buffer).
function M.setup()
  local command = vim.api.nvim_create_user_command
  command('KubeDryRun', ranged(M.dry_run), {
    range = true,
    desc = 'kube-lsp: server-side dry-run of this file (:.KubeDryRun: the document under the cursor)',
  })
  command('KubeDiff', ranged(M.diff), {
    range = true,
    desc = 'kube-lsp: diff this file against the cluster (:.KubeDiff: the document under the cursor)',
  })
  command('KubeContext', function(opts)
    M.select_context(opts.args)
  end, { nargs = '?', desc = 'kube-lsp: choose the kubeconfig context' })
  command('KubeVersion', function(opts)
    M.select_version(opts.args)
  end, { nargs = '?', desc = 'kube-lsp: choose the Kubernetes version to validate against' })

  local group = vim.api.nvim_create_augroup('kube_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    desc = 'kube-lsp: say so when the language server cannot start',
    callback = function(args)
      M.check_cmd(args.buf)
    end,
  })
  -- Loaded lazily (lazy.nvim's `ft = 'yaml'`), the FileType of the buffer that loaded us has passed; the
  -- config that enables the server runs right after.
  vim.schedule(function()
    M.check_cmd(vim.api.nvim_get_current_buf())
  end)

  for name, run in pairs({ ['kube-lsp.dryRun'] = M.dry_run, ['kube-lsp.diff'] = M.diff }) do
    vim.lsp.commands[name] = function(cmd, ctx)
      local args = cmd.arguments or {}
      local bufnr = args[1] and vim.uri_to_bufnr(args[1]) or ctx.bufnr
      run(bufnr, args[2])
    end
  end
end

return M
