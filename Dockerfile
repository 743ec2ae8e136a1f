FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=relocation.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 relocation
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings but no secrets of consequence at build time.
RUN SECRET_KEY=build ALLOWED_HOSTS=build python manage.py collectstatic --no-input \
    && mkdir -p /app/var && chown -R relocation /app/var
USER relocation
EXPOSE 8000
CMD ["gunicorn", "relocation.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
