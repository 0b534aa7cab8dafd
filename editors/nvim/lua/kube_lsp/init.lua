--- kube-lsp commands for Neovim >= 0.11: server-side dry-run and diff against your cluster (or several), live
--- state refresh, status, context and Kubernetes version pickers, and the client side of the server's lenses
--- (references, resource summary). The language server does the work (and never changes a cluster: every
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
    elseif type(result) == 'table' and result.error and result.error ~= '' then
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
---@param here? boolean leave out the context (a section of a diff against several says it already)
local function summary(result, here)
  local docs, errors = result.documents or 0, result.errors or 0
  local where = (result.context and not here) and (' on ' .. result.context) or ''
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

--- The lines of the diff against several contexts: a `# context …` header per section, then its diff, "no
--- differences" or its error.
---@param sections table[] the `sections` of the kube-lsp.diffAll result
---@param name string the file's name
---@return string[]
function M.diff_all_lines(sections, name)
  local lines = { ('# kube-lsp: %s against %d context%s'):format(name, #sections, #sections == 1 and '' or 's') }
  for _, section in ipairs(sections) do
    local context = type(section.context) == 'string' and section.context or '(current context)'
    if type(section.error) == 'string' and section.error ~= '' then
      lines[#lines + 1] = ('# context %s: %s'):format(context, section.error)
    elseif (section.diff or '') == '' then
      lines[#lines + 1] = ('# context %s: no differences (%s)'):format(context, summary(section, true))
    else
      lines[#lines + 1] = ('# context %s: %s'):format(context, summary(section, true))
      vim.list_extend(lines, vim.split(section.diff, '\n', { trimempty = true }))
    end
  end
  return lines
end

--- Diff the buffer's documents (or one) against every context of `kubeLsp.cluster.contexts` (else the chosen
--- one): one section per context in a scratch buffer.
---@param bufnr? integer
---@param index? integer
function M.diff_all(bufnr, index)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  M.execute(bufnr, 'kube-lsp.diffAll', { vim.uri_from_bufnr(bufnr), index }, function(result)
    local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t')
    M.show_diff(table.concat(M.diff_all_lines(result.sections or {}, name), '\n'), 'all/' .. name)
  end)
end

--- Read the live state now (of the buffer's objects), when `kubeLsp.cluster.live` is on.
---@param bufnr? integer
function M.live_refresh(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  M.execute(bufnr, 'kube-lsp.liveRefresh', { vim.uri_from_bufnr(bufnr) }, function(result)
    local lines = {}
    for _, o in ipairs(result.objects or {}) do
      lines[#lines + 1] = '  ' .. tostring(o.summary)
    end
    local where = (result.context or '') ~= '' and (' on ' .. result.context) or ''
    notify(('live state%s: %d object%s'):format(where, #lines, #lines == 1 and '' or 's')
      .. (#lines > 0 and (':\n' .. table.concat(lines, '\n')) or ''))
  end)
end

--- What validation uses now: the Kubernetes version and where it came from, the schemas, the context.
---@param bufnr? integer
function M.status(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  M.execute(bufnr, 'kube-lsp.status', {}, function(s)
    local versions = s.kubeVersions or {}
    local targets = #versions > 1 and (' (and ' .. table.concat(versions, ', ', 2) .. ')') or ''
    notify(('Kubernetes %s%s from %s · schemas: %s%s · context: %s'):format(tostring(s.kubeVersion), targets,
      tostring(s.kubeVersionSource), tostring(s.schemaSource), s.clusterSchemas and ' (the cluster\'s)' or '',
      type(s.context) == 'string' and s.context or 'none'))
  end)
end

--- The references the "N references" lens counts, in the quickfix list (the server's lens command
--- `kube-lsp.showReferences` [uri, position], handled here).
---@param uri string
---@param position lsp.Position
function M.show_references(uri, position)
  local bufnr = vim.uri_to_bufnr(uri)
  local client = client_for(bufnr)
  if not client then
    return notify('the language server is not attached to this buffer', levels.WARN)
  end
  local params = { textDocument = { uri = uri }, position = position, context = { includeDeclaration = false } }
  client:request('textDocument/references', params, function(err, result)
    if err then
      return notify('references failed: ' .. err.message, levels.ERROR)
    end
    local items = vim.lsp.util.locations_to_items(result or {}, client.offset_encoding)
    vim.fn.setqflist({}, ' ', { title = 'kube-lsp: references', items = items })
    vim.cmd('botright copen')
  end, bufnr)
end

--- The resource summary of a workload (the resources lens), in a floating window.
---@param bufnr integer
---@param arguments any[] the lens's [uri, document index]
function M.show_resources(bufnr, arguments)
  M.execute(bufnr, 'kube-lsp.resources', arguments, function(result)
    if type(result.markdown) ~= 'string' then
      return notify('no resource summary here', levels.WARN)
    end
    vim.lsp.util.open_floating_preview(vim.split(result.markdown, '\n'), 'markdown',
      { border = 'rounded', focus_id = 'kube_lsp_resources' })
  end)
end

--- Completion of `:KubeContext`: the kubeconfig's contexts, asked of the server (synchronously, briefly).
---@param arglead string
---@return string[]
function M.complete_context(arglead)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = client_for(bufnr)
  if not client then
    return {}
  end
  local response = client:request_sync('workspace/executeCommand',
    { command = 'kube-lsp.selectContext', arguments = {} }, 2000, bufnr)
  local names = response and response.result and response.result.contexts or {}
  return vim.tbl_filter(function(name)
    return vim.startswith(name, arglead)
  end, names)
end

--- Completion of `:KubeVersion`: the bundled schema versions, newest first.
---@param arglead string
---@return string[]
function M.complete_version(arglead)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = client_for(bufnr)
  if not client then
    return {}
  end
  local response = client:request_sync('workspace/executeCommand', { command = 'kube-lsp.status', arguments = {} },
    2000, bufnr)
  local versions = vim.fn.reverse(vim.deepcopy(response and response.result and response.result.versions or {}))
  return vim.tbl_filter(function(v)
    return vim.startswith(v, arglead)
  end, versions)
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

--- Register the user commands, and client-side handlers so the server's code lenses and code actions show
--- their results (a notification, the diff buffer, the quickfix list of references, a float).
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
  command('KubeDiffAll', ranged(M.diff_all), {
    range = true,
    desc = 'kube-lsp: diff this file against every context of kubeLsp.cluster.contexts, one section each',
  })
  command('KubeLiveRefresh', function()
    M.live_refresh()
  end, { desc = 'kube-lsp: read the live state of this file\'s objects now (kubeLsp.cluster.live)' })
  command('KubeStatus', function()
    M.status()
  end, { desc = 'kube-lsp: the Kubernetes version, schemas and cluster context in use' })
  command('KubeContext', function(opts)
    M.select_context(opts.args)
  end, { nargs = '?', complete = M.complete_context, desc = 'kube-lsp: choose the kubeconfig context' })
  command('KubeVersion', function(opts)
    M.select_version(opts.args)
  end, {
    nargs = '?',
    complete = M.complete_version,
    desc = 'kube-lsp: choose the Kubernetes version to validate against',
  })

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

  -- The server's lens and action commands whose result is for the user to see: handled here, client-side.
  local handlers = {
    ['kube-lsp.dryRun'] = M.dry_run,
    ['kube-lsp.diff'] = M.diff,
    ['kube-lsp.diffAll'] = M.diff_all,
    ['kube-lsp.liveRefresh'] = M.live_refresh,
    ['kube-lsp.resources'] = function(bufnr, _, args)
      M.show_resources(bufnr, args)
    end,
  }
  for name, run in pairs(handlers) do
    vim.lsp.commands[name] = function(cmd, ctx)
      local args = cmd.arguments or {}
      local bufnr = type(args[1]) == 'string' and vim.uri_to_bufnr(args[1]) or ctx.bufnr
      run(bufnr, args[2], args)
    end
  end
  vim.lsp.commands['kube-lsp.showReferences'] = function(cmd)
    local args = cmd.arguments or {}
    M.show_references(args[1], args[2])
  end
end

return M
