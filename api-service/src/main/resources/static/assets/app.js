// Offload's report page: plain JavaScript, no build step.
//
// The API is stateless HTTP Basic (no session, no cookie), so the page keeps the
// credentials in sessionStorage (this tab only, gone when it closes) and sends them with
// every call. The live status stream is read with fetch() rather than EventSource,
// because EventSource cannot send an Authorization header.
'use strict';

(function () {
	const PAGE_SIZE = 20;
	const STORAGE_KEY = 'offload.credentials';
	const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
	const CANCELLABLE = new Set(['QUEUED', 'RUNNING']);
	const RANK = { QUEUED: 0, RUNNING: 1, SUCCEEDED: 2, FAILED: 2, CANCELLED: 2 };
	const MAX_RECONNECT_DELAY = 15000;
	const OPEN_BATCH = new Set(['SELECTING', 'CREATING', 'RUNNING']);
	// Batches are polled only while one is open, and only while the page is visible.
	const BATCH_POLL = 2500;

	const $ = (id) => document.getElementById(id);

	const state = {
		credentials: null,
		catalogue: [],
		reports: new Map(),
		order: [],
		// The list is paged by keyset: `next` is the cursor of the page after the oldest
		// report loaded, null once the oldest is shown, undefined before the first page.
		next: undefined,
		live: null,
		reconnectDelay: 1000,
		refreshTimer: null,
		schedules: [],
		freshSchedule: null,
		scheduleFormReady: false,
		// Whether the type chosen in the schedule form before has from/to dates.
		scheduleHadDates: true,
		batches: [],
		batchTimer: null,
		batchesLoading: null,
		// Something may have changed while the batches were being read: read them again.
		batchesStale: false,
	};

	// ---- HTTP ----------------------------------------------------------------

	class ProblemError extends Error {
		constructor(status, problem) {
			super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
			this.status = status;
			this.problem = problem || {};
		}
	}

	function headers(extra) {
		const result = Object.assign({ 'X-Requested-With': 'XMLHttpRequest', Accept: 'application/json' }, extra);
		if (state.credentials) {
			result.Authorization = 'Basic ' + state.credentials.token;
		}
		return result;
	}

	async function api(path, options) {
		const init = Object.assign({}, options);
		init.headers = headers(init.headers);
		const response = await fetch(path, init);
		if (response.status === 401 && state.credentials) {
			signOut('Please sign in again.');
		}
		if (!response.ok) {
			let problem = null;
			try {
				problem = await response.json();
			}
			catch (ignored) {
				// Not a problem document.
			}
			throw new ProblemError(response.status, problem);
		}
		return response;
	}

	async function json(path, options) {
		return (await api(path, options)).json();
	}

	function randomKey() {
		const bytes = new Uint8Array(16);
		crypto.getRandomValues(bytes);
		return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
	}

	// ---- Signing in ----------------------------------------------------------

	function encodeCredentials(username, password) {
		const bytes = new TextEncoder().encode(username + ':' + password);
		let binary = '';
		bytes.forEach((b) => { binary += String.fromCharCode(b); });
		return btoa(binary);
	}

	async function signIn(event) {
		event.preventDefault();
		const username = $('username').value.trim();
		const password = $('password').value;
		const button = $('sign-in-button');
		hide($('sign-in-error'));
		button.disabled = true;
		try {
			const candidate = { username, token: encodeCredentials(username, password) };
			const response = await fetch('/api/reports?limit=1', {
				headers: { 'X-Requested-With': 'XMLHttpRequest', Accept: 'application/json',
					Authorization: 'Basic ' + candidate.token },
			});
			if (response.status === 401) {
				showError($('sign-in-error'), 'Wrong user name or password.');
				return;
			}
			if (!response.ok) {
				showError($('sign-in-error'), 'Signing in failed (HTTP ' + response.status + '). Try again.');
				return;
			}
			state.credentials = candidate;
			sessionStorage.setItem(STORAGE_KEY, JSON.stringify(candidate));
			$('password').value = '';
			await showApp();
		}
		catch (ex) {
			showError($('sign-in-error'), 'The service cannot be reached. Try again in a moment.');
		}
		finally {
			button.disabled = false;
		}
	}

	function signOut(message) {
		state.credentials = null;
		sessionStorage.removeItem(STORAGE_KEY);
		stopLive();
		state.reports.clear();
		state.order = [];
		state.next = undefined;
		state.schedules = [];
		renderSchedules();
		closeScheduleForm();
		clearTimeout(state.batchTimer);
		state.batchTimer = null;
		state.batchesStale = false;
		state.batches = [];
		renderBatches();
		hide($('app-view'), $('signed-in-as'), $('sign-out'), $('live-status'));
		show($('sign-in-view'));
		if (message) {
			showError($('sign-in-error'), message);
		}
		$('username').focus();
	}

	async function showApp() {
		hide($('sign-in-view'));
		show($('app-view'), $('signed-in-as'), $('sign-out'), $('live-status'));
		const who = $('signed-in-as');
		who.textContent = 'Signed in as ';
		const name = document.createElement('strong');
		name.textContent = state.credentials.username;
		who.appendChild(name);
		await loadCatalogue();
		renderReports();
		startLive();
		await Promise.all([loadSchedules(), loadBatches()]);
	}

	// ---- The request form ----------------------------------------------------

	async function loadCatalogue() {
		if (state.catalogue.length) {
			return;
		}
		try {
			state.catalogue = await json('/api/report-types');
		}
		catch (ex) {
			showError($('report-form-error'), 'The report catalogue could not be loaded: ' + ex.message);
			return;
		}
		const select = $('report-type');
		select.replaceChildren();
		for (const type of state.catalogue) {
			const option = document.createElement('option');
			option.value = type.name;
			option.textContent = type.title;
			select.appendChild(option);
		}
		renderTypeFields();
		prepareScheduleForm();
	}

	function selectedType() {
		return state.catalogue.find((type) => type.name === $('report-type').value);
	}

	function renderTypeFields() {
		const type = selectedType();
		if (!type) {
			return;
		}
		$('report-type-description').textContent = type.description;
		const container = $('report-parameters');
		container.replaceChildren();
		for (const parameter of type.parameters) {
			container.append(...parameterField(parameter, 'param-'));
		}
		renderFormats($('report-formats'), 'format', type.formats);
	}

	// A parameter's label, input and description; the input's id is prefix + its name.
	function parameterField(parameter, prefix) {
		const id = prefix + parameter.name;
		const label = document.createElement('label');
		label.htmlFor = id;
		label.textContent = capitalize(parameter.name) + (parameter.required ? '' : ' (optional)');
		const input = parameterInput(parameter);
		input.id = id;
		input.name = parameter.name;
		input.required = parameter.required;
		if (!input.value) {
			input.value = defaultValue(parameter);
		}
		const description = document.createElement('p');
		description.className = 'parameter-description';
		description.textContent = parameter.description;
		return [label, input, description];
	}

	// The type's formats as radio buttons named `name`, keeping the one chosen if offered.
	function renderFormats(container, name, formats) {
		const current = container.querySelector('input:checked');
		const chosen = current ? current.value : null;
		const offered = formats.some((candidate) => candidate.name === chosen);
		container.replaceChildren();
		formats.forEach((format, index) => {
			const label = document.createElement('label');
			const input = document.createElement('input');
			input.type = 'radio';
			input.name = name;
			input.value = format.name;
			input.id = name + '-' + format.name;
			input.checked = offered ? chosen === format.name : index === 0;
			const text = document.createElement('span');
			text.textContent = format.name;
			label.append(input, text);
			container.appendChild(label);
		});
	}

	// One form field per kind of parameter the catalogue declares.
	function parameterInput(parameter) {
		if (parameter.kind === 'CHOICE') {
			const select = document.createElement('select');
			if (!parameter.required) {
				const none = document.createElement('option');
				none.value = '';
				none.textContent = parameter.defaultValue ? 'Default (' + parameter.defaultValue + ')' : 'Any';
				select.appendChild(none);
			}
			for (const choice of parameter.choices || []) {
				const option = document.createElement('option');
				option.value = choice;
				option.textContent = choice;
				select.appendChild(option);
			}
			return select;
		}
		const input = document.createElement('input');
		if (parameter.kind === 'DATE') {
			input.type = 'date';
		}
		else if (parameter.kind === 'INTEGER') {
			input.type = 'number';
			input.step = '1';
			if (parameter.min !== undefined) {
				input.min = String(parameter.min);
			}
			if (parameter.max !== undefined) {
				input.max = String(parameter.max);
			}
		}
		else {
			input.type = 'text';
			if (parameter.kind === 'REFERENCE') {
				input.placeholder = 'the id of a ' + (parameter.reference || 'record').replace(/s$/, '');
			}
		}
		if (parameter.defaultValue) {
			input.placeholder = 'default ' + parameter.defaultValue;
		}
		return input;
	}

	function defaultValue(parameter) {
		// A sensible first report: last year's sales.
		const lastYear = new Date().getFullYear() - 1;
		if (parameter.kind === 'DATE' && parameter.name === 'from') {
			return lastYear + '-01-01';
		}
		if (parameter.kind === 'DATE' && parameter.name === 'to') {
			return lastYear + '-12-31';
		}
		return '';
	}

	async function submitReport(event) {
		event.preventDefault();
		const type = selectedType();
		if (!type) {
			return;
		}
		clearFieldErrors($('report-form'));
		hide($('report-form-error'));
		const parameters = {};
		for (const parameter of type.parameters) {
			const value = $('param-' + parameter.name).value.trim();
			if (value) {
				parameters[parameter.name] = value;
			}
		}
		const format = $('report-formats').querySelector('input:checked');
		const body = { type: type.name, format: format ? format.value : null, parameters };
		const button = $('submit-report');
		button.disabled = true;
		try {
			const response = await api('/api/reports', {
				method: 'POST',
				headers: { 'Content-Type': 'application/json', 'Idempotency-Key': randomKey() },
				body: JSON.stringify(body),
			});
			const report = await response.json();
			upsert(report, true);
			renderReports();
		}
		catch (ex) {
			showProblem(ex, $('report-form-error'),
					(field) => $('param-' + field.replace(/^parameters\./, '')));
		}
		finally {
			button.disabled = false;
		}
	}

	// A 400's field errors next to their fields (fieldFor finds a field's input, if the
	// form shows it), the rest in the form's error line.
	function showProblem(ex, errorElement, fieldFor) {
		const errors = (ex.problem && ex.problem.errors) || [];
		const unplaced = [];
		for (const error of errors) {
			const input = error.field && fieldFor(error.field);
			if (input && !input.closest('[hidden]')) {
				input.setAttribute('aria-invalid', 'true');
				const message = document.createElement('p');
				message.className = 'field-error';
				message.textContent = capitalize(humanize(error.message));
				input.insertAdjacentElement('afterend', message);
			}
			else {
				unplaced.push((error.field ? error.field + ': ' : '') + error.message);
			}
		}
		let message;
		if (!(ex instanceof ProblemError)) {
			message = 'The service cannot be reached. Try again in a moment.';
		}
		else if (errors.length && !unplaced.length) {
			message = 'Please correct the highlighted ' + (errors.length === 1 ? 'field.' : 'fields.');
		}
		else {
			message = humanize(unplaced.length ? unplaced.join('; ') : ex.message);
		}
		showError(errorElement, message);
	}

	function clearFieldErrors(form) {
		form.querySelectorAll('.field-error').forEach((element) => element.remove());
		form.querySelectorAll('[aria-invalid]').forEach((element) => element.removeAttribute('aria-invalid'));
	}

	// ---- The list of reports -------------------------------------------------

	// A report's state only moves forward; the list and the events may arrive in any
	// order, so an older view never replaces a newer one.
	function isNewer(candidate, current) {
		if (!current) {
			return true;
		}
		if (RANK[candidate.status] !== RANK[current.status]) {
			return RANK[candidate.status] > RANK[current.status];
		}
		if (FINISHED.has(current.status)) {
			// Same end state: the full view (links, size) beats an event's summary.
			return Boolean(candidate.links) || !current.links;
		}
		return candidate.progress >= current.progress;
	}

	function upsert(report, fresh) {
		const current = state.reports.get(report.id);
		if (!current) {
			state.reports.set(report.id, Object.assign({ fresh: Boolean(fresh) }, report));
			if (!state.order.includes(report.id)) {
				state.order.push(report.id);
				state.order.sort((a, b) => compareNewestFirst(state.reports.get(a), state.reports.get(b)));
			}
			return;
		}
		if (isNewer(report, current)) {
			state.reports.set(report.id, Object.assign({}, current, report, { fresh: false }));
		}
	}

	function compareNewestFirst(a, b) {
		const byTime = (b.createdAt || '').localeCompare(a.createdAt || '');
		return byTime !== 0 ? byTime : b.id.localeCompare(a.id);
	}

	async function refreshReports() {
		try {
			// One request for everything shown so far (the API's largest page is 100).
			const limit = Math.min(100, Math.max(PAGE_SIZE, state.order.length));
			const page = await json('/api/reports?limit=' + limit);
			page.items.forEach((report) => upsert(report, false));
			// A cursor stays valid while reports are added, so the one after the oldest
			// report loaded is kept; only the first page, or a page that holds every
			// report there is, says where the list ends.
			if (state.next === undefined || !page.nextCursor) {
				state.next = page.nextCursor || null;
			}
			hide($('reports-error'));
		}
		catch (ex) {
			if (state.credentials) {
				showError($('reports-error'), 'Your reports could not be loaded: ' + ex.message);
			}
		}
		renderReports();
	}

	async function loadMore() {
		if (!state.next) {
			return;
		}
		try {
			const page = await json('/api/reports?limit=' + PAGE_SIZE + '&cursor=' + encodeURIComponent(state.next));
			page.items.forEach((report) => upsert(report, false));
			state.next = page.nextCursor || null;
		}
		catch (ex) {
			showError($('reports-error'), 'Older reports could not be loaded: ' + ex.message);
		}
		renderReports();
	}

	function scheduleRefresh() {
		clearTimeout(state.refreshTimer);
		state.refreshTimer = setTimeout(refreshReports, 150);
	}

	function renderReports() {
		const body = $('reports');
		const rows = state.order.map((id) => state.reports.get(id));
		body.replaceChildren(...rows.map(renderRow));
		rows.forEach((report) => { report.fresh = false; });
		const empty = rows.length === 0;
		$('reports-table').hidden = empty;
		$('reports-empty').hidden = !empty;
		// No total: the API counts nothing beyond the page.
		const shown = rows.length + (rows.length === 1 ? ' report' : ' reports');
		$('reports-count').textContent = empty ? '' : (state.next ? shown + ' shown' : shown);
		$('load-more').hidden = !state.next;
	}

	function renderRow(report) {
		const row = document.createElement('tr');
		row.dataset.reportId = report.id;
		row.dataset.status = report.status;
		if (report.fresh) {
			row.className = 'fresh';
		}

		const what = document.createElement('td');
		const title = document.createElement('div');
		title.className = 'report-title';
		title.textContent = typeTitle(report.type);
		const format = document.createElement('span');
		format.className = 'format';
		format.textContent = report.format;
		title.appendChild(format);
		const meta = document.createElement('div');
		meta.className = 'report-meta';
		meta.textContent = describeParameters(report.parameters);
		what.append(title, meta);

		const status = document.createElement('td');
		status.appendChild(renderStatus(report));

		const when = document.createElement('td');
		when.className = 'when';
		when.textContent = formatTime(report.createdAt);
		when.title = report.createdAt || '';

		const actions = document.createElement('td');
		actions.className = 'actions';
		if (report.status === 'SUCCEEDED') {
			actions.appendChild(button('Download', 'button primary small', 'download', () => download(report)));
		}
		if (CANCELLABLE.has(report.status)) {
			actions.appendChild(button('Cancel', 'button ghost small danger', 'cancel', () => cancel(report)));
		}
		row.append(what, status, when, actions);
		return row;
	}

	function renderStatus(report) {
		const cell = document.createElement('div');
		cell.className = 'status';
		const badge = document.createElement('span');
		badge.className = 'badge ' + report.status;
		badge.dataset.role = 'status';
		badge.textContent = report.status;
		cell.appendChild(badge);
		if (report.status === 'RUNNING' || report.status === 'QUEUED') {
			const bar = document.createElement('div');
			bar.className = 'progress' + (report.status === 'QUEUED' ? ' indeterminate' : '');
			bar.setAttribute('role', 'progressbar');
			bar.setAttribute('aria-valuemin', '0');
			bar.setAttribute('aria-valuemax', '100');
			bar.setAttribute('aria-valuenow', String(report.progress || 0));
			const fill = document.createElement('div');
			if (report.status === 'RUNNING') {
				fill.style.width = Math.max(2, report.progress || 0) + '%';
			}
			bar.appendChild(fill);
			cell.appendChild(bar);
			cell.appendChild(note(report.status === 'QUEUED' ? 'Waiting for a worker' : (report.progress || 0) + '%'));
		}
		else if (report.status === 'SUCCEEDED') {
			cell.appendChild(note(report.fileSize != null ? formatSize(report.fileSize) : 'Ready'));
		}
		else if (report.status === 'FAILED') {
			cell.appendChild(note(report.error || 'The report could not be built.', 'bad'));
		}
		return cell;
	}

	function note(text, kind) {
		const element = document.createElement('span');
		element.className = 'status-note' + (kind ? ' ' + kind : '');
		element.textContent = text;
		return element;
	}

	function button(text, className, action, onClick) {
		const element = document.createElement('button');
		element.type = 'button';
		element.className = className;
		element.dataset.action = action;
		element.textContent = text;
		element.addEventListener('click', async () => {
			element.disabled = true;
			try {
				await onClick();
			}
			finally {
				element.disabled = false;
			}
		});
		return element;
	}

	async function cancel(report) {
		try {
			const updated = await json('/api/reports/' + report.id, { method: 'DELETE' });
			upsert(updated, false);
		}
		catch (ex) {
			showError($('reports-error'), ex.message);
			await refreshOne(report.id);
		}
		renderReports();
	}

	async function refreshOne(id) {
		try {
			upsert(await json('/api/reports/' + id), false);
		}
		catch (ex) {
			// The next list refresh will tell.
		}
	}

	async function download(report) {
		try {
			const response = await api('/api/reports/' + report.id + '/file', { headers: { Accept: '*/*' } });
			const blob = await response.blob();
			const name = fileName(response.headers.get('Content-Disposition')) || ('report-' + report.id);
			const url = URL.createObjectURL(blob);
			const link = document.createElement('a');
			link.href = url;
			link.download = name;
			document.body.appendChild(link);
			link.click();
			link.remove();
			setTimeout(() => URL.revokeObjectURL(url), 60000);
		}
		catch (ex) {
			showError($('reports-error'), 'The file could not be downloaded: ' + ex.message);
		}
	}

	function fileName(disposition) {
		if (!disposition) {
			return null;
		}
		const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
		if (extended) {
			return decodeURIComponent(extended[1]);
		}
		const plain = /filename="?([^";]+)"?/i.exec(disposition);
		return plain ? plain[1] : null;
	}

	// ---- Live status ---------------------------------------------------------

	function setLive(stateName, text) {
		const indicator = $('live-status');
		indicator.dataset.state = stateName;
		indicator.querySelector('.live-text').textContent = text;
	}

	function startLive() {
		stopLive();
		const controller = new AbortController();
		state.live = controller;
		readLive(controller);
	}

	function stopLive() {
		if (state.live) {
			state.live.abort();
			state.live = null;
		}
	}

	async function readLive(controller) {
		setLive('connecting', 'Connecting…');
		let retry = state.reconnectDelay;
		try {
			const response = await fetch('/api/reports/events', {
				headers: headers({ Accept: 'text/event-stream' }),
				signal: controller.signal,
				cache: 'no-store',
			});
			if (response.status === 401) {
				signOut('Please sign in again.');
				return;
			}
			if (!response.ok || !response.body) {
				throw new Error('HTTP ' + response.status);
			}
			const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
			let buffer = '';
			for (;;) {
				const { value, done } = await reader.read();
				if (done) {
					break;
				}
				buffer += value.replace(/\r\n?/g, '\n');
				let end;
				while ((end = buffer.indexOf('\n\n')) >= 0) {
					const block = buffer.slice(0, end);
					buffer = buffer.slice(end + 2);
					const event = parseEvent(block);
					if (event.retry) {
						retry = event.retry;
					}
					handleEvent(event);
				}
			}
		}
		catch (ex) {
			if (controller.signal.aborted) {
				return;
			}
		}
		if (controller.signal.aborted || state.live !== controller) {
			return;
		}
		// The stream ended (timeout, a replica stopping, the network): reconnect, with
		// growing pauses while it keeps failing, and catch up on "ready".
		setLive('connecting', 'Reconnecting…');
		const delay = Math.min(Math.max(retry, state.reconnectDelay), MAX_RECONNECT_DELAY);
		state.reconnectDelay = Math.min(delay * 2, MAX_RECONNECT_DELAY);
		setTimeout(() => {
			if (state.live === controller) {
				readLive(controller);
			}
		}, delay);
	}

	function parseEvent(block) {
		const event = { name: 'message', data: [] };
		for (const line of block.split('\n')) {
			if (line === '' || line.startsWith(':')) {
				continue;
			}
			const colon = line.indexOf(':');
			const field = colon < 0 ? line : line.slice(0, colon);
			let value = colon < 0 ? '' : line.slice(colon + 1);
			if (value.startsWith(' ')) {
				value = value.slice(1);
			}
			if (field === 'event') {
				event.name = value;
			}
			else if (field === 'data') {
				event.data.push(value);
			}
			else if (field === 'retry' && /^\d+$/.test(value)) {
				event.retry = Number(value);
			}
		}
		event.data = event.data.join('\n');
		return event;
	}

	function handleEvent(event) {
		if (event.name === 'ready') {
			// Subscribed: anything that happened before is in the database.
			state.reconnectDelay = 1000;
			setLive('live', 'Live');
			refreshReports();
			loadBatches();
		}
		else if (event.name === 'report' && event.data) {
			applyReportEvent(JSON.parse(event.data));
		}
	}

	function applyReportEvent(event) {
		const current = state.reports.get(event.reportId);
		if (!current) {
			// A report requested elsewhere (another tab, the API, a batch or a schedule):
			// read the list, and the batches, which may have a new one.
			scheduleRefresh();
			batchesMayHaveChanged();
			return;
		}
		upsert({ id: event.reportId, status: event.status, progress: event.progress,
			fileSize: event.fileSize, error: event.error }, false);
		renderReports();
		if (FINISHED.has(event.status)) {
			// The event is a notification; the report as stored has the links.
			refreshOne(event.reportId).then(renderReports);
		}
	}

	// ---- Formatting and small helpers -----------------------------------------

	// ---- Schedules -----------------------------------------------------------
	// Listed with their next run and last runs, paused and resumed; created with the form
	// (a named rule only; cron expressions and changes through the API).

	const PERIODS = {
		FIXED: 'Fixed dates', PREVIOUS_DAY: 'The day before', PREVIOUS_7_DAYS: 'The 7 days before',
		PREVIOUS_WEEK: 'The week before', PREVIOUS_MONTH: 'The month before', MONTH_TO_DATE: 'Month to date',
	};

	async function loadSchedules() {
		try {
			state.schedules = (await json('/api/schedules')).items;
			hide($('schedules-error'));
		}
		catch (ex) {
			if (state.credentials) {
				showError($('schedules-error'), 'Your schedules could not be loaded: ' + ex.message);
			}
		}
		renderSchedules();
	}

	function renderSchedules() {
		const items = state.schedules;
		$('schedules').replaceChildren(...items.map(renderSchedule));
		state.freshSchedule = null;
		$('schedules-table').hidden = items.length === 0;
		$('schedules-empty').hidden = items.length !== 0 || !state.credentials || !$('schedule-form').hidden;
	}

	function renderSchedule(schedule) {
		const row = document.createElement('tr');
		row.dataset.scheduleId = schedule.id;
		if (schedule.id === state.freshSchedule) {
			row.className = 'fresh';
		}

		const what = document.createElement('td');
		const title = document.createElement('div');
		title.className = 'report-title';
		title.textContent = schedule.name;
		const format = document.createElement('span');
		format.className = 'format';
		format.textContent = schedule.format;
		title.appendChild(format);
		const meta = document.createElement('div');
		meta.className = 'report-meta';
		meta.textContent = typeTitle(schedule.type) + ' · ' + (PERIODS[schedule.period] || schedule.period);
		what.append(title, meta);

		const when = document.createElement('td');
		const zone = document.createElement('div');
		zone.className = 'report-meta';
		zone.textContent = schedule.timeZone;
		when.append(describeWhen(schedule), zone);

		const next = document.createElement('td');
		next.className = 'when';
		next.dataset.role = 'next-run';
		const nextTime = document.createElement('div');
		nextTime.textContent = schedule.paused ? 'Paused'
			: (schedule.nextRunAt ? timeFormat.format(new Date(schedule.nextRunAt)) : 'None');
		if (schedule.nextRunAt) {
			nextTime.title = schedule.nextRunAt;
		}
		next.appendChild(nextTime);
		if (schedule.nextRunParameters && schedule.period !== 'FIXED') {
			// The dates the next run's report covers.
			const covers = document.createElement('div');
			covers.className = 'report-meta';
			covers.textContent = describeParameters(schedule.nextRunParameters);
			next.appendChild(covers);
		}

		const last = document.createElement('td');
		const runs = document.createElement('div');
		runs.className = 'runs';
		last.appendChild(runs);
		if (schedule.runs.length === 0) {
			runs.appendChild(note('None yet'));
		}
		schedule.runs.forEach((run) => {
			const badge = document.createElement('span');
			const status = run.reportStatus || run.state;
			badge.className = 'badge ' + status;
			badge.textContent = status;
			badge.title = timeFormat.format(new Date(run.scheduledFor)) + (run.error ? ': ' + run.error : '')
				+ (run.reportId ? ' (report ' + run.reportId + ')' : '');
			runs.appendChild(badge);
		});

		const actions = document.createElement('td');
		actions.className = 'actions';
		const action = schedule.paused ? 'resume' : 'pause';
		actions.appendChild(button(capitalize(action), 'button ghost small', action, async () => {
			try {
				const updated = await json('/api/schedules/' + schedule.id + '/' + action, { method: 'POST' });
				state.schedules = state.schedules.map((item) => (item.id === updated.id
					? Object.assign(updated, { runs: updated.runs.slice(0, 3) }) : item));
			}
			catch (ex) {
				showError($('schedules-error'), ex.message);
			}
			renderSchedules();
		}));
		row.append(what, when, next, last, actions);
		return row;
	}

	// The fields a 400 may name, and the inputs of the schedule form that show them.
	const SCHEDULE_FIELDS = {
		name: 'schedule-name', type: 'schedule-type', format: 'schedule-formats', period: 'schedule-period',
		rule: 'schedule-every', 'rule.every': 'schedule-every', 'rule.day': 'schedule-day',
		'rule.dayOfMonth': 'schedule-day-of-month', 'rule.at': 'schedule-at', timeZone: 'schedule-time-zone',
	};

	// Once the catalogue is loaded: the form's choices and its defaults.
	function prepareScheduleForm() {
		if (state.scheduleFormReady) {
			return;
		}
		state.scheduleFormReady = true;
		const types = $('schedule-type');
		types.replaceChildren(...state.catalogue.map((type) => option(type.name, type.title)));
		$('schedule-period').replaceChildren(...Object.entries(PERIODS).map(([value, text]) => option(value, text)));
		$('schedule-period').value = 'PREVIOUS_MONTH';
		const days = [];
		for (let day = 1; day <= 28; day++) {
			days.push(option(String(day), String(day)));
		}
		days.push(option('LAST', 'Last day'));
		$('schedule-day-of-month').replaceChildren(...days);
		$('schedule-time-zone').value = browserTimeZone();
		if (typeof Intl.supportedValuesOf === 'function') {
			$('time-zones').replaceChildren(...Intl.supportedValuesOf('timeZone').map((zone) => option(zone)));
		}
		state.scheduleHadDates = true;
		renderScheduleTypeFields();
		renderRuleFields();
	}

	function browserTimeZone() {
		try {
			return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
		}
		catch (ignored) {
			return 'UTC';
		}
	}

	function option(value, text) {
		const element = document.createElement('option');
		element.value = value;
		if (text !== undefined) {
			element.textContent = text;
		}
		return element;
	}

	function scheduleType() {
		return state.catalogue.find((type) => type.name === $('schedule-type').value);
	}

	// A relative period fills in the type's from/to dates, so only a type that has them
	// can have one.
	function hasDates(type) {
		return ['from', 'to'].every((name) => type.parameters.some((parameter) => parameter.name === name));
	}

	function renderScheduleTypeFields() {
		const type = scheduleType();
		if (!type) {
			return;
		}
		const dates = hasDates(type);
		const period = $('schedule-period');
		for (const choice of period.options) {
			choice.disabled = !dates && choice.value !== 'FIXED';
		}
		if (!dates) {
			period.value = 'FIXED';
		}
		else if (!state.scheduleHadDates && period.value === 'FIXED') {
			period.value = 'PREVIOUS_MONTH';
		}
		state.scheduleHadDates = dates;
		renderScheduleParameters();
		renderFormats($('schedule-formats'), 'schedule-format', type.formats);
	}

	// The type's parameters, leaving out the dates a relative period fills in; values
	// typed so far are kept.
	function renderScheduleParameters() {
		const type = scheduleType();
		if (!type) {
			return;
		}
		const period = $('schedule-period').value;
		const container = $('schedule-parameters');
		const typed = new Map();
		container.querySelectorAll('input, select').forEach((input) => typed.set(input.name, input.value));
		container.replaceChildren();
		for (const parameter of type.parameters) {
			if (period !== 'FIXED' && (parameter.name === 'from' || parameter.name === 'to')) {
				continue;
			}
			const field = document.createElement('div');
			field.className = 'field';
			const parts = parameterField(parameter, 'schedule-param-');
			if (typed.has(parameter.name)) {
				parts[1].value = typed.get(parameter.name);
			}
			field.append(...parts);
			container.appendChild(field);
		}
		$('schedule-period-hint').textContent = !hasDates(type) ? 'This report has no dates: every run is the same.'
			: (period === 'FIXED' ? 'The dates below, the same for every run.'
				: 'Set for each run from the day it runs, in the time zone below.');
	}

	function renderRuleFields() {
		const every = $('schedule-every').value;
		$('schedule-day-field').hidden = every !== 'WEEK';
		$('schedule-day-of-month-field').hidden = every !== 'MONTH';
	}

	function openScheduleForm() {
		if (!state.scheduleFormReady) {
			showError($('schedules-error'), 'The report catalogue is not loaded yet. Try again in a moment.');
			return;
		}
		show($('schedule-form'));
		$('new-schedule').setAttribute('aria-expanded', 'true');
		$('new-schedule').hidden = true;
		renderSchedules();
		$('schedule-name').focus();
	}

	function closeScheduleForm() {
		const form = $('schedule-form');
		clearFieldErrors(form);
		hide(form, $('schedule-form-error'));
		$('new-schedule').setAttribute('aria-expanded', 'false');
		$('new-schedule').hidden = false;
		renderSchedules();
	}

	async function submitSchedule(event) {
		event.preventDefault();
		const type = scheduleType();
		if (!type) {
			return;
		}
		const form = $('schedule-form');
		clearFieldErrors(form);
		hide($('schedule-form-error'));
		const parameters = {};
		$('schedule-parameters').querySelectorAll('input, select').forEach((input) => {
			const value = input.value.trim();
			if (value) {
				parameters[input.name] = value;
			}
		});
		const every = $('schedule-every').value;
		const rule = { every, at: $('schedule-at').value };
		if (every === 'WEEK') {
			rule.day = $('schedule-day').value;
		}
		else if (every === 'MONTH') {
			rule.dayOfMonth = $('schedule-day-of-month').value;
		}
		const format = $('schedule-formats').querySelector('input:checked');
		const body = {
			type: type.name, format: format ? format.value : null, parameters, period: $('schedule-period').value,
			rule, timeZone: $('schedule-time-zone').value.trim(),
		};
		const name = $('schedule-name').value.trim();
		if (name) {
			body.name = name;
		}
		const submit = $('submit-schedule');
		submit.disabled = true;
		try {
			const created = await (await api('/api/schedules', {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify(body),
			})).json();
			$('schedule-name').value = '';
			state.schedules = state.schedules.filter((item) => item.id !== created.id).concat(created);
			closeScheduleForm();
			state.freshSchedule = created.id;
			await loadSchedules();
			$('schedules-status').textContent = 'Schedule ' + created.name + ' created'
				+ (created.nextRunAt ? '; it runs next on ' + timeFormat.format(new Date(created.nextRunAt)) : '') + '.';
		}
		catch (ex) {
			showProblem(ex, $('schedule-form-error'), (field) => (field.startsWith('parameters.')
				? $('schedule-param-' + field.slice('parameters.'.length)) : $(SCHEDULE_FIELDS[field] || '')));
		}
		finally {
			submit.disabled = false;
		}
	}

	// ---- Batches -------------------------------------------------------------
	// The newest batches with their progress, read again every few seconds while one is
	// open; requested through the API.

	const BATCH_COUNTS = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'RUNNING', 'QUEUED'];

	function loadBatches() {
		if (!state.credentials) {
			return Promise.resolve();
		}
		if (!state.batchesLoading) {
			clearTimeout(state.batchTimer);
			state.batchTimer = null;
			state.batchesStale = false;
			state.batchesLoading = readBatches().finally(() => {
				state.batchesLoading = null;
				const open = state.batches.some((batch) => OPEN_BATCH.has(batch.state));
				if (state.credentials && !state.batchTimer && (open || state.batchesStale)) {
					state.batchTimer = setTimeout(pollBatches, state.batchesStale ? 1000 : BATCH_POLL);
				}
			});
		}
		return state.batchesLoading;
	}

	async function readBatches() {
		try {
			state.batches = await json('/api/batches?limit=10');
			hide($('batches-error'));
		}
		catch (ex) {
			if (state.credentials) {
				showError($('batches-error'), 'Your batches could not be loaded: ' + ex.message);
			}
		}
		renderBatches();
	}

	function pollBatches() {
		state.batchTimer = null;
		if (document.visibilityState === 'visible') {
			loadBatches();
		}
		else {
			state.batchTimer = setTimeout(pollBatches, BATCH_POLL);
		}
	}

	// A report the page did not know appeared: perhaps a new batch's. Read the batches
	// once, soon, unless a read is already due.
	function batchesMayHaveChanged() {
		if (state.batchesLoading) {
			state.batchesStale = true;
		}
		else if (state.credentials && !state.batchTimer) {
			state.batchTimer = setTimeout(pollBatches, 1000);
		}
	}

	function renderBatches() {
		const items = state.batches;
		$('batches').replaceChildren(...items.map(renderBatch));
		$('batches-table').hidden = items.length === 0;
		$('batches-empty').hidden = items.length !== 0 || !state.credentials;
	}

	function renderBatch(batch) {
		const row = document.createElement('tr');
		row.dataset.batchId = batch.id;
		row.dataset.state = batch.state;

		const what = document.createElement('td');
		const title = document.createElement('div');
		title.className = 'report-title';
		title.textContent = typeTitle(batch.type);
		const format = document.createElement('span');
		format.className = 'format';
		format.textContent = batch.format;
		title.appendChild(format);
		const meta = document.createElement('div');
		meta.className = 'report-meta';
		const size = batch.total != null ? batch.total + (batch.total === 1 ? ' report' : ' reports')
			: 'Choosing its reports';
		const shared = batch.parameters && Object.keys(batch.parameters).length
			? ' · ' + describeParameters(batch.parameters) : '';
		meta.textContent = size + (batch.selector ? ' · ' + batch.selector : '') + shared;
		what.append(title, meta);

		const progress = document.createElement('td');
		const cell = document.createElement('div');
		cell.className = 'status';
		const badge = document.createElement('span');
		badge.className = 'badge ' + batch.state;
		badge.dataset.role = 'state';
		badge.textContent = batch.state;
		const counts = batch.counts || {};
		const finished = (counts.SUCCEEDED || 0) + (counts.FAILED || 0) + (counts.CANCELLED || 0);
		const bar = document.createElement('div');
		const unknown = batch.total == null && OPEN_BATCH.has(batch.state);
		bar.className = 'progress' + (unknown ? ' indeterminate' : '') + (batch.state === 'COMPLETED' ? ' done' : '')
			+ (OPEN_BATCH.has(batch.state) ? '' : ' closed');
		bar.setAttribute('role', 'progressbar');
		bar.setAttribute('aria-label', 'Batch progress');
		bar.setAttribute('aria-valuemin', '0');
		bar.setAttribute('aria-valuemax', '100');
		bar.setAttribute('aria-valuenow', String(batch.progress || 0));
		const fill = document.createElement('div');
		if (!unknown) {
			fill.style.width = Math.max(2, batch.progress || 0) + '%';
		}
		bar.appendChild(fill);
		const done = note((batch.total != null ? finished + ' of ' + batch.total + ' finished · ' : '')
			+ (batch.progress || 0) + '%');
		done.dataset.role = 'progress';
		const perStatus = note(BATCH_COUNTS.filter((status) => counts[status])
			.map((status) => counts[status] + ' ' + status.toLowerCase())
			.join(' · ') || 'No reports yet');
		perStatus.dataset.role = 'counts';
		cell.append(badge, bar, done, perStatus);
		if (batch.error) {
			cell.appendChild(note(batch.error, 'bad'));
		}
		progress.appendChild(cell);

		const when = document.createElement('td');
		when.className = 'when';
		when.textContent = formatTime(batch.createdAt);
		when.title = batch.createdAt || '';

		const actions = document.createElement('td');
		actions.className = 'actions';
		if (OPEN_BATCH.has(batch.state)) {
			actions.appendChild(button('Cancel', 'button ghost small danger', 'cancel', () => cancelBatch(batch)));
		}
		row.append(what, progress, when, actions);
		return row;
	}

	async function cancelBatch(batch) {
		try {
			const updated = await json('/api/batches/' + batch.id, { method: 'DELETE' });
			state.batches = state.batches.map((item) => (item.id === updated.id ? updated : item));
			renderBatches();
		}
		catch (ex) {
			showError($('batches-error'), 'The batch could not be cancelled: ' + ex.message);
		}
		// Its queued reports were cancelled, which publishes no events.
		await Promise.all([loadBatches(), refreshReports()]);
	}

	function describeWhen(schedule) {
		const rule = schedule.rule;
		if (!rule) {
			return 'cron ' + schedule.cron;
		}
		if (rule.every === 'DAY') {
			return 'Daily at ' + rule.at;
		}
		if (rule.every === 'WEEK') {
			return 'Every ' + capitalize(rule.day.toLowerCase()) + ' at ' + rule.at;
		}
		return (rule.dayOfMonth === 'LAST' ? 'Last day of each month' : 'Day ' + rule.dayOfMonth + ' of each month')
			+ ' at ' + rule.at;
	}

	function typeTitle(name) {
		const type = state.catalogue.find((candidate) => candidate.name === name);
		return type ? type.title : name;
	}

	function describeParameters(parameters) {
		if (!parameters || Object.keys(parameters).length === 0) {
			return 'No parameters';
		}
		if (parameters.from && parameters.to) {
			return parameters.from + ' → ' + parameters.to;
		}
		return Object.entries(parameters).map(([key, value]) => key + ': ' + value).join(', ');
	}

	const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

	function formatTime(iso) {
		if (!iso) {
			return '';
		}
		const date = new Date(iso);
		const seconds = (Date.now() - date.getTime()) / 1000;
		if (seconds < 60) {
			return 'just now';
		}
		if (seconds < 3600) {
			return Math.floor(seconds / 60) + ' min ago';
		}
		return timeFormat.format(date);
	}

	function formatSize(bytes) {
		if (bytes < 1024) {
			return bytes + ' B';
		}
		if (bytes < 1024 * 1024) {
			return (bytes / 1024).toFixed(1) + ' KB';
		}
		return (bytes / (1024 * 1024)).toFixed(1) + ' MB';
	}

	// "parameters.to" in the API's messages is the field labelled "To" on this page.
	function humanize(text) {
		return text.replace(/parameters\.(\w+)/g, (match, name) => '“' + capitalize(name) + '”');
	}

	function capitalize(text) {
		return text.charAt(0).toUpperCase() + text.slice(1);
	}

	function show(...elements) {
		elements.forEach((element) => { element.hidden = false; });
	}

	function hide(...elements) {
		elements.forEach((element) => { element.hidden = true; });
	}

	function showError(element, message) {
		element.textContent = message;
		show(element);
	}

	// ---- Start ---------------------------------------------------------------

	document.addEventListener('DOMContentLoaded', () => {
		$('sign-in-form').addEventListener('submit', signIn);
		$('sign-out').addEventListener('click', () => signOut());
		$('report-form').addEventListener('submit', submitReport);
		$('report-type').addEventListener('change', renderTypeFields);
		$('load-more').addEventListener('click', loadMore);
		$('new-schedule').addEventListener('click', openScheduleForm);
		$('cancel-schedule').addEventListener('click', () => {
			closeScheduleForm();
			$('new-schedule').focus();
		});
		$('schedule-form').addEventListener('submit', submitSchedule);
		$('schedule-type').addEventListener('change', renderScheduleTypeFields);
		$('schedule-period').addEventListener('change', renderScheduleParameters);
		$('schedule-every').addEventListener('change', renderRuleFields);
		// Keep "just now" and "3 min ago" honest. While reports are unfinished, also re-read
		// them now and then: events are notifications and may be lost (a cancel made in
		// another tab publishes none), the database is the truth.
		setInterval(() => {
			if (!state.credentials) {
				return;
			}
			const unfinished = state.order.some((id) => !FINISHED.has(state.reports.get(id).status));
			if (unfinished && document.visibilityState === 'visible') {
				refreshReports();
			}
			if (document.visibilityState === 'visible') {
				loadSchedules();
				loadBatches();
			}
			else {
				renderReports();
			}
		}, 30000);

		const saved = sessionStorage.getItem(STORAGE_KEY);
		if (saved) {
			try {
				state.credentials = JSON.parse(saved);
			}
			catch (ignored) {
				sessionStorage.removeItem(STORAGE_KEY);
			}
		}
		if (state.credentials) {
			showApp();
		}
		else {
			show($('sign-in-view'));
		}
	});
})();
